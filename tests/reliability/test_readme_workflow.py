"""The README's own workflow through the real CLI: posts, a claims file, build, dashboard, with and without press.

Before, a claims file plus any press item crashed the dashboard (`TypeError` in dashboards/cards.py: the claims
file's rows have no article, so no outlet) and a claims file without press made its verdicts vanish ("No claims
found yet"). Claims from a claims file now render either way, their outlet "claims file".
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "claims.example.toml"


def _ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def _cards(html: str) -> list[str]:
    """Every claim on the page: the verdict cards, and the lines of the not-testable list."""
    cards = re.findall(r'<article class="card[^"]*"[^>]*>(.*?)</article>', html, re.S)
    listed = "".join(re.findall(r'<ul class="nt-list">(.*?)</ul>', html, re.S))
    return cards + re.findall(r"<li>(.*?)</li>", listed, re.S)


def _posts_and_claims_file(tmp_path: Path, sim_files: dict) -> tuple[Path, int]:
    """The README's steps: import posts, put claims.toml beside the warehouse, build; returns (db, file claims)."""
    db = tmp_path / "wh.duckdb"
    shutil.copy(EXAMPLE, tmp_path / "claims.toml")   # "copy to claims.toml beside the warehouse"
    _ok("import", "x-jsonl", str(sim_files["timeline"]), "--db", str(db))
    _ok("build", "--db", str(db), "--n-boot", "100")
    con = warehouse.connect(db, read_only=True)
    try:
        n_file = warehouse.scalar(con, "select count(*) from claims where article_id is null")
    finally:
        con.close()
    assert n_file >= 2
    return db, n_file


def test_claims_file_without_press_shows_its_verdicts(tmp_path, sim_files):
    db, n_file = _posts_and_claims_file(tmp_path, sim_files)
    _ok("dashboard", "--db", str(db), "--out", str(tmp_path / "no_press.html"))
    html = (tmp_path / "no_press.html").read_text(encoding="utf-8")
    assert "No claims found yet" not in html
    cards = _cards(html)
    assert len(cards) == n_file and all(" · claims file" in c for c in cards), cards
    assert "globalbusinessdaily.example/2025/09/11/rowan-vale-interview" in html   # the claim's source_url


def test_claims_file_with_any_press_item_renders(tmp_path, sim_files):
    db, n_file = _posts_and_claims_file(tmp_path, sim_files)
    _ok("import", "rss", str(sim_files["feeds"][0]), "--db", str(db))   # any press item
    _ok("build", "--db", str(db), "--n-boot", "100")
    _ok("dashboard", "--db", str(db), "--out", str(tmp_path / "press.html"))
    cards = _cards((tmp_path / "press.html").read_text(encoding="utf-8"))
    assert sum(" · claims file" in c for c in cards) == n_file, cards
