"""The whole audit flow under Prefect, on a small simulated executive: warehouse, dashboard, artifacts, run names."""

from __future__ import annotations

from collections import Counter

import duckdb
import polars as pl

from postaudit import audits
from postaudit.sources import simulated
from postaudit.verdict_table import read_verdicts, to_markdown


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
    # the SIMULATED likes and ad impressions landed as the simulator drew them, and the estimate used them
    drawn = Counter(t["kind"] for t in simulated.simulate(seed=5, days=14).traces)
    assert dict(con.execute("""select kind, count(*) from activity_events where source = 'simulated'
                               and is_simulated and kind in ('like', 'ad_impression') group by kind""").fetchall()
                ) == drawn and drawn["like"] > 0 and drawn["ad_impression"] > 0
    assert con.execute("select count_traces > 0 from time_on_platform where platform = 'x'").fetchall() == [(True,)]
    assert "are SIMULATED too" in html.read_text()
    verdict_ids = [r[0] for r in con.execute("select claim_id from claim_verdicts").fetchall()]
    con.close()
    assert result["posts"]["new_pages"] > 0
    _check_artifacts_and_names(html, verdict_ids)

    # running the same audit again lands nothing new and duplicates nothing
    again = audit(db=str(db), dashboard=str(html), source="simulated", days=14, seed=5, n_boot=200)
    assert again["posts"]["new_pages"] == 0 and again["press"]["new_items"] == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from posts").fetchall()[0][0] == counts["posts"]
    con.close()


def _check_artifacts_and_names(html, verdict_ids):
    """Where Prefect users look: the run's artifacts hold the verdicts and the dashboard; run names say whom."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        [table] = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["verdicts-demo"])))
        [link] = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["dashboard-demo"])))
        run = client.read_flow_run(table.flow_run_id)
        children = [r for r in client.read_flow_runs() if r.parent_task_run_id]
    assert table.type == link.type == "markdown"  # Prefect renders a link artifact as markdown
    lines = table.data.splitlines()
    assert lines[0] == "## Verdicts: simulated executive"
    header = next(line for line in lines if line.startswith("| claim_id"))
    assert header.split(" | ")[:2] == ["| claim_id", "verdict"] and "estimate" in header and "reason |" in header
    assert sorted(line.split(" | ")[0][2:] for line in lines if line.startswith("| ") and line != header) == sorted(
        verdict_ids)
    assert link.data == f"[Dashboard: {html.name}]({html.resolve().as_uri()})"
    assert link.flow_run_id == table.flow_run_id
    assert run.name == "audit: simulated executive"
    assert {r.name for r in children} >= {"collect_posts: simulated executive",
                                                                   "collect_press: simulated executive"}


def test_run_names_say_which_executives_an_audits_file_covers(tmp_path):
    from postaudit.flows._common import artifact_key, audited

    path = tmp_path / "board.toml"
    path.write_text(audits.simulated_audits_toml(5, days=7))
    assert audited({"audits_file": str(path)}) == "sim-001, sim-002, sim-003 +2 more"
    assert audited({"audits_file": str(path), "executive": "sim-004"}) == "sim-004"
    assert audited({"audits_file": str(tmp_path / "missing.toml")}) == "missing.toml"
    assert artifact_key("verdicts", {"audits_file": str(path)}) == "verdicts-board"
    assert artifact_key("dashboard", {"audits_file": "x/My_Audits.toml", "executive": None}) == "dashboard-my-audits"


def test_verdict_table_reads_whatever_numeric_columns_there_are(con):
    con.execute("""create table claim_verdicts as select * from (values
        ('b', 'contradicted', 'floor above | the band', 0.2345678, 12, 'percent', 3.0),
        ('a', 'not testable', 'no data\nat all', null, null, null, null)) t(claim_id, verdict, reason, estimate,
        count_posts, unit, new_numeric_column)""")
    frame = read_verdicts(con)
    assert frame.columns == ["claim_id", "verdict", "estimate", "count_posts", "new_numeric_column", "reason"]
    md = to_markdown(frame, "Verdicts: x", "/tmp/d.html")
    assert "| a | not testable |  |  |  | no data at all |" in md
    assert "| b | contradicted | 0.235 | 12 | 3 | floor above \\| the band |" in md
    assert "2 claim(s)." in md and "`/tmp/d.html`" in md
    assert "No claims judged yet" in to_markdown(pl.DataFrame(), "Verdicts: x")
