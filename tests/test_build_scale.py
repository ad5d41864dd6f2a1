"""build_metrics reads posts a slice of accounts at a time: the marts must not depend on the slicing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest

from postaudit import build, warehouse

T0 = datetime(2025, 3, 3, tzinfo=UTC)
MARTS = {"sessions": ["platform", "account_id", "started_at"], "daily_activity": ["platform", "account_id", "day"],
         "post_reactions": ["platform", "post_id"], "account_reach": ["platform", "account_id", "day"],
         "account_timezone": ["platform", "account_id"], "conversation_metrics": ["platform", "account_id"],
         "timeshare_estimates": ["platform", "account_id", "assumption_set"],
         "timeshare_sensitivity": ["platform", "account_id", "gap_minutes", "compose_set", "weekly_work_hours"],
         "timeshare_weekly": ["platform", "account_id", "week_start"], "claim_verdicts": ["claim_id"],
         "time_on_platform": ["platform", "account_id"]}
CLAIMS = """
[[claim]]
id = "x-march"
text = "5% of my time on X (SIMULATED)"
platform = "x"
metric = "time_share"
value = 5
unit = "percent"
period = "2025-03-10/2025-03-30"

[[claim]]
id = "all-march"
text = "an hour a day (SIMULATED)"
platform = "all"
metric = "time_per_day"
value = 1
unit = "hours_per_day"
period = "2025-03-10/2025-03-30"
"""


def posts_frame() -> pl.DataFrame:
    """SIMULATED posts of four accounts on two platforms; b's replies answer a's posts, c has 10 posts."""
    rng = np.random.default_rng(5)
    rows = []
    for platform, account, days, start in [("x", "a", 30, 0), ("x", "b", 30, 2), ("telegram", "t", 20, 5),
                                           ("x", "c", 2, 9)]:
        n = 0
        for d in range(days):
            t = T0 + timedelta(days=start + d, hours=float(rng.uniform(7, 20)))
            for _ in range(int(rng.integers(1, 6)) if account != "c" else 5):
                kind = "reply" if account == "b" and n % 3 == 0 else str(rng.choice(["original", "quote", "repost"]))
                rows.append({"platform": platform, "account_id": account, "post_id": f"{account}{n}",
                             "created_at": t, "kind": kind, "text": "word " * int(rng.integers(1, 30)),
                             "referenced_post_id": f"a{n}" if kind == "reply" else None,
                             "like_count": int(rng.integers(0, 50)), "reply_count": 1, "repost_count": 2,
                             "quote_count": 0, "bookmark_count": 0, "impression_count": int(rng.integers(100, 900)),
                             "is_simulated": True})
                t += timedelta(minutes=float(rng.exponential(8)))
                n += 1
    return pl.DataFrame(rows).with_columns(pl.col("created_at").dt.cast_time_unit("us"))


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory):
    """A warehouse with the SQL layers applied, posts and follower snapshots (one account has no posts)."""
    path = tmp_path_factory.mktemp("scale") / "base.duckdb"
    con = warehouse.connect(path)
    try:
        warehouse.ensure_raw(con)
        build.build_sql(con)
        con.register("_p", posts_frame().to_arrow())
        con.execute("INSERT INTO posts BY NAME SELECT * FROM _p")
        snaps = pl.DataFrame({"platform": ["x", "x", "x", "x"], "account_id": ["a", "a", "b", "nobody"],
                              "observed_at": [T0, T0 + timedelta(days=10), T0, T0], "followers_count": [10, 20, 5, 7]})
        con.register("_s", snaps.with_columns(pl.col("observed_at").dt.cast_time_unit("us")).to_arrow())
        con.execute("INSERT INTO account_snapshots BY NAME SELECT * FROM _s")
    finally:
        con.close()
    (path.parent / "claims.toml").write_text(CLAIMS, encoding="utf-8")
    return path


def built(warehouse_file, tmp_path, name: str, slice_posts: int) -> dict[str, pl.DataFrame]:
    path = tmp_path / name / "wh.duckdb"
    path.parent.mkdir()
    shutil.copy(warehouse_file, path)
    shutil.copy(warehouse_file.parent / "claims.toml", path.parent / "claims.toml")
    con = warehouse.connect(path)
    try:
        counts = build.build_metrics(con, n_boot=200, slice_posts=slice_posts)
        assert not con.execute("select table_name from information_schema.tables "
                               "where table_name like '\\_building\\_%' escape '\\'").fetchall()
        return {"counts": counts, **{m: warehouse.query_pl(con, f"select * from {m}").sort(keys, nulls_last=True)
                                     for m, keys in MARTS.items()}}
    finally:
        con.close()


def assert_same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    assert got.schema == want.schema and got.height == want.height
    for col in want.columns:
        if want[col].dtype.is_float():
            assert np.allclose(got[col].to_numpy(), want[col].to_numpy(), rtol=1e-12, atol=0, equal_nan=True), col
        else:
            assert got[col].to_list() == want[col].to_list(), col


def test_marts_do_not_depend_on_the_slicing(warehouse_file, tmp_path):
    whole = built(warehouse_file, tmp_path, "whole", slice_posts=1_000_000)
    one_each = built(warehouse_file, tmp_path, "one_each", slice_posts=1)  # every account is a slice
    assert whole["counts"] == one_each["counts"]
    for mart in MARTS:
        assert_same(one_each[mart], whole[mart])
    # what slicing could have lost: replies to another slice's posts, the followers of an account
    # without posts, the 'all' rows and the claims judged on their own period
    b = whole["conversation_metrics"].filter(pl.col("account_id") == "b").row(0, named=True)
    assert b["count_replies_timed"] > 0
    assert whole["account_reach"].filter(pl.col("account_id") == "nobody").height == 1
    assert whole["timeshare_estimates"].filter(pl.col("platform") == "all").height == 3
    top = whole["time_on_platform"]
    assert top.filter(pl.col("platform") == "all")["count_posts"].item() == posts_frame().height
    assert top.filter(pl.col("platform") != "all")["count_posts"].sum() == posts_frame().height
    verdicts = whole["claim_verdicts"]
    assert verdicts["window_start"].to_list() == [datetime(2025, 3, 10).date()] * 2
    assert verdicts.filter(pl.col("claim_id") == "file:all-march")["account_id"].to_list() == ["all"]


def test_a_failed_build_leaves_the_previous_marts(warehouse_file, tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    shutil.copy(warehouse_file, path)
    con = warehouse.connect(path)
    try:
        build.build_metrics(con, n_boot=50, slice_posts=1)
        before = {m: warehouse.query_pl(con, f"select * from {m}") for m in ("sessions", "post_reactions")}
        calls, original = [], build.to_account_timezone

        def fail_on_second_slice(posts, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("disk full (simulated)")
            return original(posts, *args, **kwargs)

        monkeypatch.setattr(build, "to_account_timezone", fail_on_second_slice)
        with pytest.raises(RuntimeError, match="simulated"):
            build.build_metrics(con, n_boot=50, slice_posts=1)
        for mart, frame in before.items():
            assert warehouse.query_pl(con, f"select * from {mart}").equals(frame)
        assert not [t for (t,) in con.execute("show tables").fetchall() if t.startswith("_building_")]
    finally:
        con.close()


def test_no_posts_still_replaces_sessions_and_activity(tmp_path):
    con = warehouse.connect(tmp_path / "wh.duckdb")
    try:
        warehouse.ensure_raw(con)
        build.build_sql(con)
        counts = build.build_metrics(con, n_boot=50)
        assert counts["sessions"] == 0 and counts["daily_activity"] == 0
        assert "timeshare_estimates" not in counts
        assert warehouse.table_exists(con, "sessions")
    finally:
        con.close()


def test_reading_a_slice_reads_only_its_accounts(warehouse_file):
    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        slices = build.account_slices(con, slice_posts=1)
        assert [s.rows() for s in slices] == [[("telegram", "t")], [("x", "a")], [("x", "b")], [("x", "c")]]
        got = build.read_posts(con, slices[1])
        assert set(got["account_id"]) == {"a"} and "text_chars" in got.columns and "text" not in got.columns
    finally:
        con.close()
