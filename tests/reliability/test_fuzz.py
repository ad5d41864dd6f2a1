"""Hypothesis on every parser and on build: InputError or well-formed output, then a build that succeeds.

Parsers get mutated files and random bytes: well-formed output or InputError, never another exception and never
a partial landing. Every importer then gets its real records (records.py) with fields changed (types, ranges,
encodings, digits of other scripts, missing keys, nesting): the file is refused in one line naming it with
nothing landed, or it lands and `build` succeeds with marts whose every post can be placed.

Bounded for CI (POSTAUDIT_FUZZ_EXAMPLES unset: 40 examples per parser and 6 per importer with a build, derandomised,
about a minute in all); longer on demand: POSTAUDIT_FUZZ_EXAMPLES=5000 pytest tests/reliability/test_fuzz.py
(5000 per parser, 500 per importer with a build, random seeds).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postaudit import warehouse
from postaudit.build_runner import held, run_build
from postaudit.press import claims_found, clean
from postaudit.sources import press_rss, table_import, telegram, twarc_jsonl, x_archive
from postaudit.sources.errors import InputError

from . import inputs, records

EXAMPLES = int(os.environ.get("POSTAUDIT_FUZZ_EXAMPLES") or 40)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("POSTAUDIT_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# a build costs ~0.7 s: a tenth as many examples as the parsers get
BUILD_EXAMPLES = int(os.environ.get("POSTAUDIT_FUZZ_EXAMPLES") or 60) // 10
FUZZ_BUILD = settings(FUZZ, max_examples=BUILD_EXAMPLES,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                             HealthCheck.function_scoped_fixture])


def _mutations(importer: str) -> st.SearchStrategy[bytes]:
    """Valid files of the importer, then bytes flipped, cut, duplicated or spliced: mostly-valid inputs go deepest."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-seed-"))
    base = inputs.write(importer, "valid", folder)
    seed = base.read_bytes() if base.is_file() else b""
    junk = st.binary(max_size=40) | st.sampled_from([b"\x00", b"\xff\xfe", b'"', b"}", b"{", b"\n", b"<", b"]]>",
                                                     b"\\u0000", b"\xef\xbb\xbf", b"NaN", b"1e999999"])

    @st.composite
    def mutate(draw) -> bytes:
        data = seed
        for _ in range(draw(st.integers(0, 4))):
            i = draw(st.integers(0, max(0, len(data))))
            op = draw(st.sampled_from(["insert", "delete", "cut", "dup"]))
            if op == "insert":
                data = data[:i] + draw(junk) + data[i:]
            elif op == "delete":
                data = data[:i] + data[i + draw(st.integers(1, 20)):]
            elif op == "cut":
                data = data[:i]
            else:
                data = data + data[i:]
        return data
    return mutate() | st.binary(max_size=300)


def _file(data: bytes, name: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="fuzz-")) / name
    path.write_bytes(data)
    return path


def _land_or_refuse(table: str, records_fn, tally, area: str) -> None:
    """Land through land_raw into a fresh in-memory warehouse: all of it, or (InputError) none of it."""
    con = duckdb.connect(":memory:")
    warehouse.ensure_raw(con)
    tally.add("fuzz", f"{area}.examples")
    try:
        n = warehouse.land_raw(con, table, records_fn(), warehouse.Provenance("fuzz", "fuzz"))
        assert warehouse.scalar(con, f"select count(*) from {table}") == n
        for (payload,) in con.execute(f"select payload from {table}").fetchall():
            json.loads(payload)                                  # well-formed: every payload is JSON
        tally.add("fuzz", f"{area}.accepted")
    except InputError as exc:
        assert str(exc)
        assert warehouse.scalar(con, f"select count(*) from {table}") == 0
        tally.add("fuzz", f"{area}.refused")
    finally:
        con.close()


@FUZZ
@given(data=_mutations("twarc"))
def test_fuzz_twarc_jsonl(tally, data):
    path = _file(data, "in.jsonl")
    _land_or_refuse("raw_x_pages", lambda: twarc_jsonl.fetch_pages(path), tally, "twarc_jsonl.fetch_pages")


@FUZZ
@given(data=_mutations("rss"))
def test_fuzz_rss_to_items(tally, data):
    tally.add("fuzz", "press_rss.to_items.examples")
    try:
        items = press_rss.to_items(data, "fuzz")
    except InputError:
        return
    for item in items:
        assert isinstance(item["url"], str) and item["url"]
        json.dumps(item)
    path = _file(data, "feed.xml")
    _land_or_refuse("raw_press_items", lambda: press_rss.fetch_file(path), tally, "press_rss.fetch_file")


@FUZZ
@given(data=_mutations("x_archive") | st.text(max_size=200).map(lambda t: ("window.YTD.tweets.part0 = " + t).encode()))
def test_fuzz_x_archive_parse_ytd(tally, data):
    tally.add("fuzz", "x_archive.parse_ytd.examples")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    try:
        value = x_archive.parse_ytd(text, "fuzz")
    except InputError:
        return
    assert isinstance(value, list | dict | str | int | float | bool) or value is None


@FUZZ
@given(data=_mutations("telegram"))
def test_fuzz_telegram(tally, data):
    path = _file(data, "result.json")
    _land_or_refuse("raw_telegram_messages", lambda: telegram.fetch_messages(path), tally, "telegram")


@FUZZ
@given(data=_mutations("table"))
def test_fuzz_table_csv(tally, data):
    path = _file(data, "in.csv")
    mapping = table_import.parse_mapping("id=id,time=time,text=text,account=account")
    _land_or_refuse("raw_table_rows", lambda: table_import.fetch_rows(path, mapping, platform="wechat"), tally,
                    "table_import")


@FUZZ
@given(text=st.text(max_size=600) | st.sampled_from([inputs.HOSTILE, "I spend 20% of my time on Twitter.",
                                                    "Ich verbringe 3 Stunden am Tag auf X."]).flatmap(
    lambda s: st.text(max_size=100).map(lambda t: s + t)))
def test_fuzz_claims_and_cleaning(tally, text):
    tally.add("fuzz", "press_text.examples")
    claims = claims_found.find_claims("a1", text)
    assert isinstance(claims, list) and all(isinstance(c, dict) for c in claims)
    out = clean.html_to_text(text)
    assert isinstance(out, str) and "<script" not in out.lower()
    assert isinstance(clean.strip_boilerplate(out), str)


def _digits_of_other_scripts() -> st.SearchStrategy[str]:
    # Python's \\d and str.isdigit accept every Unicode decimal digit; DuckDB's casts only ASCII ones
    return st.text(st.characters(whitelist_categories=("Nd",)), min_size=1, max_size=12)


def _times() -> st.SearchStrategy[str]:
    """Time texts near the forms exports write, with impossible parts: year 0-99999, month 0-13, day 0-32, ..."""
    return st.builds(lambda y, mo, d, h, mi, z: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:00{z}",
                     st.integers(0, 99_999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25),
                     st.integers(0, 61), st.sampled_from(["", "Z", ".000Z", "+05:30", "+99:00", " UTC"]))


def _values() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(list(records.VALUES.values())), st.none(), st.booleans(),
        st.integers(-2 ** 70, 2 ** 70), st.floats(), st.text(max_size=30), _times(), _digits_of_other_scripts(),
        st.builds(lambda a, b: f"{a}.{b}", _digits_of_other_scripts(), st.integers(0, 999_999)),
        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@pytest.mark.parametrize("name", list(records.IMPORTERS))
@FUZZ_BUILD
@given(data=st.data())
def test_fuzz_importer_then_build(tally, name, data):
    """Real records with up to three fields changed: refused in one line naming the file, or landed and built."""
    imp = records.IMPORTERS[name]
    recs = imp.seed()
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        i = data.draw(st.integers(0, len(recs) - 1), label="record")
        recs = records.set_field(recs, i, data.draw(st.sampled_from(imp.fields), label="field"),
                                 data.draw(_values(), label="value"))
    tmp = tempfile.TemporaryDirectory(prefix="fuzz-build-")
    path, _ = imp.file(recs, Path(tmp.name))
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    warehouse.ensure_raw(con)
    tally.add("fuzz", f"{name}+build.examples")
    try:
        try:
            imp.land(con, path)
        except InputError as exc:
            message = str(exc)
            assert "\n" not in message and (str(path) in message or path.name in message), message
            assert sum(warehouse.scalar(con, f"select count(*) from {t}") for t in imp.raw) == 0
            tally.add("fuzz", f"{name}+build.refused")
            return
        run_build(held(con), "fuzz", {}, n_boot=100, force=True)   # raises if data broke the build
        bad = warehouse.scalar(con, """select count(*) from posts where post_id is null or account_id is null
                                       or created_at is null or created_at >= '2100-01-01' or created_at < '1970-01-01'""")
        assert bad == 0, "the marts hold posts that cannot be placed"
        assert warehouse.scalar(con, "select count(*) from rejected_records where reason is null or source is null") == 0
        tally.add("fuzz", f"{name}+build.built")
        tally.add("fuzz", f"{name}+build.rejected", warehouse.scalar(con, "select count(*) from rejected_records"))
    finally:
        con.close()
        tmp.cleanup()
