"""The audits file: parsing, path resolution, clear errors naming file and field, and the jobs it fans out to."""

from __future__ import annotations

from pathlib import Path

import pytest

from postaudit import audits
from postaudit.audits import AuditsError

REPO = Path(__file__).resolve().parents[1]

LIVE = """
[settings]
db = "wh/a.duckdb"
lookback_days = 30

[[executive]]
id = "jane-doe"
name = "Jane Doe"
aliases = ["J. Doe"]

[executive.accounts]
x = ["@janedoe", "janedoe_two"]
bluesky = ["janedoe.bsky.social"]
mastodon = ["janedoe@mastodon.social"]
x_jsonl = ["exports/a.jsonl"]
telegram = [{ path = "tg/result.json", from_id = "user1" }]
slack = ["slack.zip"]

[executive.press]
feeds = ["https://example.com/rss.xml", "saved/feed.xml"]
articles = ["https://example.com/a", "https://example.com/b"]

[executive.working_hours]
start = "08:30"
end = "17:00"
timezone = "Europe/Berlin"
"""


def _parse(text: str, tmp_path: Path) -> audits.Audits:
    path = tmp_path / "audits.toml"
    path.write_text(text)
    return audits.load(path)


def test_example_file_parses_and_is_simulated():
    a = audits.load(REPO / "examples" / "audits.toml")
    assert [e.id for e in a.executives] == ["rowan-vale"]
    e = a.executives[0]
    assert e.is_simulated and e.simulated["seed"] == 7 and e.working_hours.timezone == "Asia/Singapore"
    assert Path(a.db) == REPO / "data" / "postaudit.duckdb"
    [posts] = audits.jobs(a, "posts")
    [press] = audits.jobs(a, "press")
    assert (posts.source, press.source, posts.is_simulated, press.is_simulated) == (
        "simulated", "simulated_press", True, True)


def test_live_executive_fans_out_one_job_per_account_and_source(tmp_path):
    a = _parse(LIVE, tmp_path)
    assert a.db == str(tmp_path / "wh" / "a.duckdb")
    assert a.landing == str(tmp_path / "wh" / "landing") and a.state == str(tmp_path / "wh" / "state")
    posts = audits.jobs(a, "posts")
    assert sorted((j.source, j.target) for j in posts) == sorted([
        ("x_api", "janedoe"), ("x_api", "janedoe_two"), ("bluesky", "janedoe.bsky.social"),
        ("mastodon", "janedoe@mastodon.social"), ("x_jsonl", str(tmp_path / "exports" / "a.jsonl")),
        ("telegram", str(tmp_path / "tg" / "result.json")), ("slack", str(tmp_path / "slack.zip"))])
    assert {j.api for j in posts} == {"x-api", "bluesky-api", "mastodon-api", None}
    assert dict(next(j for j in posts if j.source == "telegram").options) == {"from_id": "user1"}
    assert dict(next(j for j in posts if j.source == "x_api").options)["lookback_days"] == 30
    assert len({j.key for j in posts}) == len(posts)  # batch names never collide
    press = audits.jobs(a, "press")
    assert sorted(j.source for j in press) == ["articles", "gdelt", "rss_feed", "rss_file"]
    assert next(j for j in press if j.source == "gdelt").target == '("Jane Doe" OR "J. Doe")'
    assert next(j for j in press if j.source == "articles").target.split("\n") == [
        "https://example.com/a", "https://example.com/b"]
    e = a.executives[0]
    assert (e.working_hours.start, e.working_hours.end, e.working_hours.days[0]) == ("08:30", "17:00", "mon")


@pytest.mark.parametrize(("edit", "message"), [
    (("id = \"jane-doe\"", "id = \"Jane Doe\""), "executive[1].id: 'Jane Doe' must be lower-case"),
    (("name = \"Jane Doe\"\n", ""), "executive[1] (jane-doe).name: missing"),
    (("x = [", "twitter = ["), "executive[1] (jane-doe).accounts: unknown field(s) twitter"),
    (("mastodon = [\"janedoe@mastodon.social\"]", "mastodon = [\"janedoe\"]"), "accounts.mastodon[0]: 'janedoe' must"),
    (("timezone = \"Europe/Berlin\"", "timezone = \"Mars/Olympus\""), "working_hours.timezone: 'Mars/Olympus'"),
    (("end = \"17:00\"", "end = \"07:00\""), "working_hours: end 07:00 must be after start 08:30"),
    (("lookback_days = 30", "lookback_days = \"30\""), "settings.lookback_days: expected a whole number"),
    (("[executive.press]", "[executive.simulated]\nseed = 1\n[executive.press]"), "simulated: only allowed with"),
    (("aliases = [\"J. Doe\"]", "aliases = \"J. Doe\"\nsource = \"mock\""), "source: 'mock' must be 'live' or"),
])
def test_errors_name_the_file_and_field(tmp_path, edit, message):
    old, new = edit
    assert old in LIVE
    with pytest.raises(AuditsError) as err:
        _parse(LIVE.replace(old, new, 1), tmp_path)
    assert str(tmp_path / "audits.toml") in str(err.value)
    assert message in str(err.value)


def test_toml_syntax_errors_and_missing_files_name_the_file(tmp_path):
    with pytest.raises(AuditsError, match=r"audits.toml: not valid TOML .*line 2"):
        _parse("[settings]\ndb = \n", tmp_path)
    with pytest.raises(AuditsError, match="nowhere.toml: cannot read"):
        audits.load(tmp_path / "nowhere.toml")
    with pytest.raises(AuditsError, match="add at least one"):
        _parse("[settings]\n", tmp_path)
    with pytest.raises(AuditsError, match="claims: no such file"):
        _parse(LIVE.replace('aliases = ["J. Doe"]', 'claims = "missing.toml"'), tmp_path)


def test_duplicate_ids_and_unknown_executive(tmp_path):
    two = LIVE + LIVE[LIVE.index("[[executive]]"):]
    with pytest.raises(AuditsError, match="duplicate id\\(s\\) jane-doe"):
        _parse(two, tmp_path)
    a = _parse(LIVE, tmp_path)
    with pytest.raises(AuditsError, match="no executive with id 'john' \\(there are: jane-doe\\)"):
        audits.jobs(a, "posts", executive="john")


def test_simulated_generator_gives_distinct_executives(tmp_path):
    a = _parse(audits.simulated_audits_toml(50, days=7), tmp_path)
    assert len(a.executives) == 50 and all(e.is_simulated for e in a.executives)
    for field in ("handle", "user_id", "seed"):
        assert len({e.simulated[field] for e in a.executives}) == 50, field
    assert len({e.name for e in a.executives}) == 50
    assert len(audits.jobs(a, "posts")) == 50 and len(audits.jobs(a, "press")) == 50
