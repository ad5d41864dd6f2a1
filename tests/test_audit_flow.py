"""The whole audit flow under Prefect, on a small simulated executive."""

from __future__ import annotations

import duckdb


def test_audit_flow_builds_warehouse_and_dashboard(prefect_harness, tmp_path):
    from postaudit.flows.audit import audit

    db = tmp_path / "audit.duckdb"
    html = tmp_path / "dash.html"
    result = audit(db=str(db), dashboard=str(html), source="simulated", days=14, seed=5, n_boot=200)
    assert html.exists() and html.stat().st_size > 1_000_000  # plotly.js is inline
    assert "SIMULATED DATA" in html.read_text()

    con = duckdb.connect(str(db), read_only=True)
    counts = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in (
        "posts", "accounts", "account_snapshots", "post_metric_snapshots", "sessions", "daily_activity",
        "press_articles", "press_stories", "claims", "claim_verdicts", "runs", "timeshare_estimates")}
    assert all(n > 0 for n in counts.values()), counts
    assert counts["accounts"] == 1
    assert con.execute("select count(*) - count(distinct post_id) from posts").fetchall()[0][0] == 0
    # every post was observed twice (day of posting and a refresh), so snapshots double the posts
    assert counts["post_metric_snapshots"] == 2 * counts["posts"]
    assert con.execute("select bool_and(is_simulated) from posts").fetchall()[0][0] is True
    # session invariants: positive length, ordered, and no overlap within an account
    bad = con.execute("""
        select count(*) from (
          select started_at, ended_at, lag(ended_at) over (partition by account_id order by started_at) as prev_end
          from sessions) where ended_at <= started_at or started_at < prev_end""").fetchall()[0][0]
    assert bad == 0
    assert con.execute("select sum(count_posts) from sessions").fetchall()[0][0] == counts["posts"]
    statuses = dict(con.execute("select flow_name, status from runs").fetchall())
    assert statuses == {"collect_posts": "completed", "collect_press": "completed", "build_metrics": "completed"}
    verdict = con.execute("""select v.verdict, v.estimate, v.ci_low, v.ci_high, v.tipping_point from claims c
                             join claim_verdicts v using (claim_id) where c.kind = 'time_share' limit 1""").fetchall()[0]
    assert verdict[0] in ("supported", "not contradicted") or verdict[0].startswith("contradicted")
    assert verdict[2] <= verdict[1] <= verdict[3] and verdict[4] > 0
    con.close()
    assert result["posts"]["new_pages"] > 0

    # running the same audit again lands nothing new and duplicates nothing
    again = audit(db=str(db), dashboard=str(html), source="simulated", days=14, seed=5, n_boot=200)
    assert again["posts"]["new_pages"] == 0 and again["press"]["new_items"] == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from posts").fetchall()[0][0] == counts["posts"]
    con.close()
