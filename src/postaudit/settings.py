"""The one place that reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path("data/postaudit.duckdb")


@dataclass(frozen=True)
class Settings:
    """Paths and credentials resolved from the environment."""

    db_path: Path
    x_bearer_token: str | None

    @property
    def data_dir(self) -> Path:
        return self.db_path.parent

    @property
    def dashboard_path(self) -> Path:
        return self.data_dir / "dashboard.html"


def load(db: str | Path | None = None) -> Settings:
    """Resolve settings: an explicit --db beats POSTAUDIT_DB beats data/postaudit.duckdb."""
    path = Path(db) if db else Path(os.environ.get("POSTAUDIT_DB") or DEFAULT_DB)
    return Settings(db_path=path, x_bearer_token=os.environ.get("X_BEARER_TOKEN") or None)
