"""`postaudit collect press` end to end against loopback fakes, with notes for what went wrong."""

from __future__ import annotations

from fakes.press import FIXTURES, FeedFake, GdeltFake, no_network, server  # noqa: F401
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources import articles, press_gdelt, press_rss


def test_collect_press_cli(server, db_path, monkeypatch, no_network):  # noqa: F811
    # The real pauses (5 s GDELT, 2 s pages) are tested with a fake clock elsewhere; here they would only add time.
    monkeypatch.setattr(press_gdelt, "MIN_INTERVAL", 0.0)
    monkeypatch.setattr(articles, "PAGE_INTERVAL", 0.0)
    monkeypatch.setattr(press_rss, "FEED_INTERVAL", 0.0)
    base = server.url_for("/").rstrip("/")
    gdelt = GdeltFake([{"url": base + "/harbour/interview", "url_mobile": "", "title": "Interview",
                        "seendate": "20250512T074500Z", "socialimage": "", "domain": "127.0.0.1",
                        "language": "English", "sourcecountry": "Netherlands"}])
    server.expect_request("/gdelt").respond_with_handler(gdelt)
    server.expect_request("/harbour/interview").respond_with_data((FIXTURES / "interview_en.html").read_bytes(),
                                                                  content_type="text/html; charset=utf-8")
    feed = (FIXTURES / "bad_encoding.xml").read_bytes().replace(b"https://wd-sued.example", base.encode() + b"/wd")
    server.expect_request("/feed").respond_with_handler(FeedFake(feed))
    server.expect_request("/wd/2025/05/14/verband").respond_with_data(
        "<html><body><article><p>Mehrere Zahlungsanbieter haben in München einen Verband gegründet, der für "
        "einheitliche Regeln werben soll.</p></article></body></html>", content_type="text/html; charset=utf-8")
    runner = CliRunner()
    args = ["collect", "press", "--query", 'Mira "MC" Castell', "--alias", "@miracastell", "--feeds",
            base + "/feed", "--since", "2025-05-10", "--until", "2025-05-15", "--fetch-articles",
            "--gdelt-url", server.url_for("/gdelt"), "--db", str(db_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert gdelt.calls[0]["query"] == '("Mira MC Castell" OR miracastell)'
    assert "gdelt articles: 1" in result.output and "new feed items: 1" in result.output
    assert "note:" in result.output and "feed is not clean" in result.output
    con = warehouse.connect(db_path)
    try:
        pages = con.execute("select payload ->> 'url' from raw_press_pages order by 1").fetchall()
        assert pages == [(base + "/harbour/interview",), (base + "/wd/2025/05/14/verband",)]
    finally:
        con.close()
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "feeds unchanged: 1" in again.output


def test_collect_press_needs_something_to_do(db_path):
    result = CliRunner().invoke(app, ["collect", "press", "--db", str(db_path)])
    assert result.exit_code == 2 and "nothing to collect" in result.output
    bad = CliRunner().invoke(app, ["collect", "press", "--feeds", "feeds.xml", "--db", str(db_path)])
    assert bad.exit_code == 2 and "postaudit import rss" in bad.output
