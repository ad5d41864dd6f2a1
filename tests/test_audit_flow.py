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
    # the SIMULATED Telegram group landed through the real importers; the executive's messages are posts too
    assert con.execute("select count(*), count(distinct sender_id), bool_or(is_executive) from group_messages"
                       ).fetchall()[0][1] > 100
    assert con.execute("select count_members from chat_member_counts").fetchall() == [(352_104,)]
    assert con.execute("select count(*) - count(distinct post_id) from posts").fetchall()[0][0] == 0
    # every X post was observed twice (day of posting and a refresh), so snapshots double the posts
    x_posts, x_snapshots = con.execute("""select (select count(*) from posts where platform = 'x'),
                                                 (select count(*) from post_metric_snapshots where platform = 'x')
                                          """).fetchall()[0]
    assert x_snapshots == 2 * x_posts
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
    verdict = con.execute("""select v.verdict, v.estimate, v.estimate_low, v.estimate_high, v.floor from claims c
                             join claim_verdicts v using (claim_id) where c.metric = 'time_share' limit 1""").fetchall()[0]
    assert verdict[0] in ("contradicted", "probably_understated", "consistent", "needs_unseen_reading")
    assert verdict[2] <= verdict[1] <= verdict[3] and 0 < verdict[4] <= verdict[1]
    chat = dict(con.execute("""select claim_id, verdict from claim_verdicts
                               where metric in ('group_members', 'message_visibility', 'ama_effect')""").fetchall())
    assert chat["file:sim-telegram-members"] == "consistent"
    assert chat["file:sim-telegram-my-messages"] == "contradicted"
    assert chat["file:sim-telegram-ama"] == "supported"
    con.close()
    assert result["posts"]["new_pages"] > 0

    # running the same audit again lands nothing new and duplicates nothing
    again = audit(db=str(db), dashboard=str(html), source="simulated", days=14, seed=5, n_boot=200)
    assert again["posts"]["new_pages"] == 0 and again["press"]["new_items"] == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from posts").fetchall()[0][0] == counts["posts"]
    con.close()
