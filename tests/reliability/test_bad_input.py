"""Every importer against broken and hostile files: a clear error naming the file and nothing landed, or the data
landed once, verbatim, with nothing in it run (no SQL, no markup). Cases are built in inputs.py."""

from __future__ import annotations

import pytest

from postaudit import warehouse
from postaudit.sources.errors import InputError

from . import inputs

# (importer, case) pairs that must be refused; every other pair must land. Why each is refused:
REFUSED = {
    **{(i, "malformed"): "broken JSON/XML" for i in ("twarc", "telegram", "slack", "x_archive", "rss")},
    **{(i, "latin1"): "not UTF-8" for i in ("twarc", "table", "telegram", "slack", "x_archive")},
    **{(i, "empty"): "no data" for i in ("twarc", "table", "telegram", "slack", "x_archive", "rss", "article")},
    ("table", "giant"): "CSV field over Python's csv limit",
    **{(i, "oversize"): "one record over limits.MAX_RECORD_BYTES" for i in inputs.RAW},
    ("table", "naive_time"): "no --tz", ("telegram", "naive_time"): "no date_unixtime and no --tz",
    ("x_archive", "naive_time"): "created_at without its UTC offset",
    ("table", "dup_id"): "one id twice in one file",
}
POSTS_VIEW = {"twarc", "table", "telegram", "slack", "x_archive"}   # importers that feed stg_posts
MATRIX = [(i, c) for i in inputs.RAW for c in inputs.CASES]


def _rows(con, importer: str) -> int:
    return sum(warehouse.scalar(con, f"select count(*) from {t}") for t in inputs.RAW[importer])


@pytest.mark.parametrize(("importer", "case"), MATRIX, ids=[f"{i}-{c}" for i, c in MATRIX])
def test_importer_refuses_clearly_or_lands_intact(con, tmp_path, tally, importer, case):
    path = inputs.write(importer, case, tmp_path / "in")
    tally.add("bad_input", "inputs_tried")
    if (importer, case) in REFUSED:
        with pytest.raises(InputError) as err:
            inputs.land(importer, con, path)
        assert str(path) in str(err.value) or str(path.name) in str(err.value), err.value
        assert _rows(con, importer) == 0, "a refused file must land nothing"
        tally.add("bad_input", "refused_with_message")
        return
    inputs.land(importer, con, path)
    landed = _rows(con, importer)
    assert landed > 0
    inputs.land(importer, con, path)                      # importing it again adds nothing
    assert _rows(con, importer) == landed
    tally.add("bad_input", "landed_intact")
    for t in inputs.RAW[importer]:                        # nothing executed: the tables are all still there
        assert warehouse.scalar(con, f"select count(*) - count(distinct record_id) from {t}") == 0
    payloads = " ".join(r[0] for t in inputs.RAW[importer]
                        for r in con.execute(f"select payload::varchar from {t}").fetchall())
    if case == "hostile":
        assert "window.__pwned=1" in payloads and "DROP TABLE posts" in payloads   # kept as data, verbatim
    if case == "sql_handle" and importer in ("twarc", "table", "telegram", "rss", "article"):
        assert "DROP TABLE raw_x_pages" in payloads
    if importer in POSTS_VIEW:
        warehouse.apply_layers(con, ("raw", "staging"))
        n, distinct, texts = con.execute(
            "select count(*), count(distinct post_id), list(text) from stg_posts").fetchall()[0]
        want = 4 if case == "dup_id" else 5
        assert distinct == want                              # the same id twice is one post
        if case == "hostile":
            assert inputs.HOSTILE in texts                     # stored exactly, to be escaped where shown
        if case == "giant":
            assert max(len(t or "") for t in texts) > inputs.GIANT
        if case == "future":
            assert warehouse.scalar(con, "select max(created_at) from stg_posts").year == 2099   # kept, not moved


@pytest.mark.parametrize(("case", "reason"), [("naive_time", "created_at"), ("oversize", "MiB limit")])
def test_archive_refused_and_the_build_survives(con, tmp_path, case, reason):
    """A time without offset failed every later build in strptime; a 50 MB post ran every build out of memory."""
    path = inputs.write("x_archive", case, tmp_path / "in")
    with pytest.raises(InputError, match=reason):
        inputs.land("x_archive", con, path)
    assert _rows(con, "x_archive") == 0
    warehouse.apply_layers(con)                                # a refused file cannot poison later builds
