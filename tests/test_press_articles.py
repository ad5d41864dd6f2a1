"""Article pages over HTTP and from files: extraction, size cap, honest User-Agent, bad input noted and skipped."""

from __future__ import annotations

from fakes.press import FIXTURES, FakeClock, server  # noqa: F401
from typer.testing import CliRunner
from werkzeug import Response

from postaudit import warehouse
from postaudit.cli import app
from postaudit.http import PoliteClient
from postaudit.sources.articles import collect_articles, import_article_files


def _client() -> PoliteClient:
    clock = FakeClock()
    return PoliteClient(min_interval=2.0, clock=clock, sleep=clock.sleep, timeout=5)


def _pages(con) -> list[tuple]:
    return con.execute("""select payload ->> 'url', payload ->> '$.extracted.title', payload ->> '$.extracted.sitename',
                                 payload ->> '$.extracted.author', payload ->> '$.extracted.date'
                          from raw_press_pages order by 1""").fetchall()


def test_fetch_extracts_metadata_and_skips_oversize_and_missing_pages(server, con):  # noqa: F811
    agents = []

    def page(request):
        agents.append(request.headers.get("User-Agent"))
        return Response((FIXTURES / "interview_en.html").read_bytes(), content_type="text/html; charset=utf-8")

    server.expect_request("/interview").respond_with_handler(page)
    server.expect_request("/huge").respond_with_data(b"<html><body>" + b"<p>padding</p>" * 200_000,
                                                     content_type="text/html")
    server.expect_request("/missing").respond_with_data("gone", status=404)
    server.expect_request("/image").respond_with_data(b"\x89PNG....", content_type="image/png")
    urls = [server.url_for(p) for p in ("/huge", "/missing", "/image", "/interview")]
    counts = collect_articles(con, urls, client=_client(), max_bytes=1_000_000)
    assert counts["pages"] == 4 and counts["new_pages"] == 1 and counts["pages_skipped"] == 3
    notes = "\n".join(counts["notes"])
    assert "/huge: body larger than the 1,000,000-byte cap; skipped" in notes
    assert "/missing: HTTP 404" in notes
    assert "/image: not a web page (content-type image/png)" in notes
    assert _pages(con) == [(urls[3], "Lumen Ledger's Mira Castell: 'My desk is a group chat'", "The Harbour Post",
                            "Priya Okafor", "2025-05-12T07:30:00+00:00")]
    assert agents and agents[0].startswith("postaudit/")
    links = con.execute("select payload -> '$.extracted.post_urls' from raw_press_pages").fetchall()[0][0]
    assert "https://x.com/miracastell/status/1915500000000000001" in links


def test_import_files_notes_missing_dates_and_skips_unreadable(con, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    counts = import_article_files(con, [FIXTURES / "no_date.txt", FIXTURES / "broken.html", tmp_path / "nope.html",
                                        empty])
    assert counts["new_pages"] == 2 and counts["files_skipped"] == 2
    notes = "\n".join(counts["notes"])
    assert "no_date.txt: no publication date found" in notes
    assert "nope.html: no such file (nothing from this file was landed)" in notes
    assert "empty.txt: empty text" in notes
    texts = dict(con.execute("select payload ->> 'format', payload ->> '$.extracted.text' from raw_press_pages")
                 .fetchall())
    assert texts["text"].startswith("Castell's fintech adds savings accounts")
    # Broken markup: the text survives, the unclosed script does not leak in.
    assert "Porto and in Lisbon" in texts["html"] and "var x" not in texts["html"]


def test_cli_import_article_with_url_and_published(db_path):
    runner = CliRunner()
    result = runner.invoke(app, ["import", "article", str(FIXTURES / "no_date.txt"), "--url",
                                 "https://example.org/savings", "--published", "2025-05-20", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    con = warehouse.connect(db_path)
    try:
        assert con.execute("select payload ->> 'url', payload ->> '$.extracted.date' from raw_press_pages").fetchall() \
            == [("https://example.org/savings", "2025-05-20T00:00:00+00:00")]
    finally:
        con.close()
    two = runner.invoke(app, ["import", "article", str(FIXTURES / "no_date.txt"), str(FIXTURES / "broken.html"),
                              "--url", "https://example.org/x", "--db", str(db_path)])
    assert two.exit_code == 2 and "--url names one article" in two.output
    bad = runner.invoke(app, ["import", "article", str(FIXTURES / "missing.html"), "--db", str(db_path)])
    assert bad.exit_code == 1 and "no such file" in bad.output
