"""The vendored plotly.js basic bundle: the version plotly needs, unchanged, licensed, and enough for every figure."""

from __future__ import annotations

import hashlib

from fakes.dashboard import full_warehouse
from plotly.offline import get_plotlyjs_version

from postaudit.dashboards import bundle
from postaudit.dashboards.report import build_sections, render_html

VENDOR = bundle.BUNDLE.parent


def test_the_bundle_is_the_version_the_plotly_package_needs_and_is_used():
    assert bundle.bundle_version() == get_plotlyjs_version()
    assert not bundle.full_bundle_in_use()
    assert bundle.plotly_js() == bundle.BUNDLE.read_text(encoding="utf-8")


def test_the_bundle_is_the_published_file_with_its_licence():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(bundle.BUNDLE.read_bytes()).hexdigest()
    assert f"sha256 of `plotly-basic.min.js`: `{digest}`" in readme
    licence = (VENDOR / "LICENSE.plotly.js.txt").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Plotly" in licence


def test_every_trace_the_page_draws_is_in_the_bundle_and_the_page_is_small(tmp_path):
    con = full_warehouse(tmp_path / "wh.duckdb", n_posts=3000)
    con.execute("create table activity_events as select 'x' as platform, '42' as account_id, 'like' as kind, "
                "created_at + interval 3 minute as occurred_at, 'simulated' as source, post_id, "
                "null::varchar as target_id, true as is_simulated from posts")
    types = {t.type for s in build_sections(con, [20.0]) for p in s.panels if p.figure is not None
             for t in p.figure.data}
    page = render_html(con)
    con.close()
    assert types and types <= bundle.TRACE_TYPES, types
    assert len(page.encode()) < 1_500_000, len(page.encode())
