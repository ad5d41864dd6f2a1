"""twarc2 JSONL: response pages and `twarc2 flatten` lines, plain and gzip, bad lines, one model with other sources."""

from __future__ import annotations

import gzip
import json

import pytest
from fakes.x_api import USER_ID, make_posts, make_user
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources import twarc_jsonl
from postaudit.sources.errors import InputError

TWARC = {"url": f"https://api.twitter.com/2/users/{USER_ID}/tweets?max_results=100", "version": "2.14.0",
         "retrieved_at": "2025-03-01T12:00:00+00:00"}


def page_lines(posts) -> list[str]:
    """twarc2 timeline output: one response page per line with __twarc metadata."""
    user = make_user(tweet_count=len(posts))
    return [json.dumps({"data": posts[i:i + 100], "includes": {"users": [user]},
                        "meta": {"result_count": len(posts[i:i + 100])}, "__twarc": TWARC})
            for i in range(0, len(posts), 100)]


def flat_lines(posts) -> list[str]:
    """twarc2 flatten output: one post per line with author and __twarc inlined."""
    user = make_user(tweet_count=len(posts), followers=2222)
    return [json.dumps(dict(p, author=user, __twarc=dict(TWARC, retrieved_at="2025-04-01T00:00:00+00:00"),
                            an_unknown_field=[1, 2])) for p in posts]


def test_pages_and_flattened_gzip_land_as_one_model(con, tmp_path):
    posts = make_posts(150)
    pages = tmp_path / "timeline.jsonl"
    pages.write_text("\n".join(page_lines(posts[:120])) + "\n")
    flat = tmp_path / "flat.jsonl.gz"
    with gzip.open(flat, "wt") as fh:
        fh.write("\n".join(flat_lines(posts[100:])) + "\n")      # 20 posts overlap with the pages file
    assert twarc_jsonl.land_file(con, pages) == {"pages": 2, "flat_posts": 0, "new_records": 2, "skipped": [],
                                                 "posts": None}   # counted only when the first line holds none
    assert twarc_jsonl.land_file(con, flat) == {"pages": 0, "flat_posts": 50, "new_records": 50, "skipped": [],
                                                "posts": 50}
    assert twarc_jsonl.land_file(con, flat)["new_records"] == 0   # identical lines land once
    warehouse.apply_layers(con)
    rows = {r["post_id"]: r for r in con.sql("select * from posts").pl().to_dicts()}
    assert set(rows) == {p["id"] for p in posts}
    overlap = posts[110]["id"]
    assert rows[overlap]["count_observations"] == 2 and rows[overlap]["sources"] == ["twarc_jsonl"]
    long_post = next(p for p in posts[120:] if "note_tweet" in p)
    assert rows[long_post["id"]]["text"] == long_post["note_tweet"]["text"]
    kinds = dict(con.execute("select kind, count(*) from posts group by 1").fetchall())
    assert kinds == {"original": 60, "reply": 30, "quote": 30, "repost": 30}
    authors = con.execute("select followers_count, observed_at from stg_account_observations "
                          "where followers_count = 2222").fetchall()
    assert len(authors) == 50 and str(authors[0][1]).startswith("2025-04-01")
    raw = con.execute("select payload from raw_x_flat_tweets limit 1").fetchall()[0][0]
    assert json.loads(raw)["an_unknown_field"] == [1, 2]


def test_fetch_pages_keeps_its_contract_and_refuses_flattened_lines(tmp_path):
    pages = tmp_path / "p.jsonl"
    pages.write_text("\n".join(page_lines(make_posts(5))) + "\n")
    assert len(list(twarc_jsonl.fetch_pages(pages))) == 1
    flat = tmp_path / "f.jsonl"
    flat.write_text("\n".join(flat_lines(make_posts(2))) + "\n")
    with pytest.raises(InputError, match="flattened"):
        list(twarc_jsonl.fetch_pages(flat))


@pytest.mark.parametrize("bad, where", [('{"id": "1", "text": "ok"\n', ":2:"), ('[1, 2]\n', ":3:"),
                                        ('{"foo": 1}\n', ":3:")])
def test_a_bad_line_names_file_and_line_and_lands_nothing(con, tmp_path, bad, where):
    # a line that is not JSON refuses the file when a line follows it (a cut LAST line is skipped instead)
    path = tmp_path / "mixed.jsonl"
    lines = flat_lines(make_posts(2))
    body = [lines[0], bad.strip(), lines[1]] if bad.startswith('{"id"') else [lines[0], lines[1], bad.strip()]
    path.write_text("\n".join(body) + "\n")
    with pytest.raises(InputError) as err:
        twarc_jsonl.land_file(con, path)
    assert f"mixed.jsonl{where}" in str(err.value)
    assert con.execute("select count(*) from raw_x_flat_tweets").fetchall()[0][0] == 0


def test_cli_import_flattened_file(db_path, tmp_path):
    path = tmp_path / "flat.jsonl"
    path.write_text("\n".join(flat_lines(make_posts(7))) + "\n")
    r = CliRunner().invoke(app, ["import", "x-jsonl", str(path), "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "7 new records" in " ".join(r.output.split())
    r = CliRunner().invoke(app, ["build", "--db", str(db_path), "--n-boot", "100"])
    assert r.exit_code == 0, r.output
    con = warehouse.connect(db_path, read_only=True)
    assert con.execute("select count(*) from posts").fetchall()[0][0] == 7
    con.close()
