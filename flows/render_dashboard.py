"""Flow: render the dashboard HTML from the marts."""

from __future__ import annotations

from prefect import flow, task

from postaudit.flows._common import open_db


@task
def write_dashboard(db: str, out: str) -> str:
    """Render the marts into one self-contained HTML file."""
    from postaudit.dashboards.report import render  # plotly: imported only when a dashboard is rendered

    with open_db(db) as con:
        return str(render(con, out))


@flow(name="render_dashboard")
def render_dashboard(db: str, out: str) -> str:
    """Write the dashboard file and return its path."""
    return write_dashboard(db, out)
