"""Mastodon statuses against a fake home server on loopback: Link paging, rate limits, HTML to text, kinds."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from fakes.platforms import MASTO_ACCOUNT_ID, masto_status, serve_mastodon
from typer.testing import CliRunner

from postaudit import warehouse
from postaudit.cli import app
from postaudit.sources.mastodon import MastodonError, collect_mastodon, parse_acct

# Real-shaped content from Mastodon's formatter: mentions and hashtags as h-card/links, long links split into
# invisible/ellipsis spans, escaped & < > " ', paragraphs and <br />.
HTML_SAMPLES = [
    '<p>Hello <span class="h-card" translate="no"><a href="https://mastodon.social/@bob" class="u-url mention">'
    '@<span>bob</span></a></span> &amp; friends! <a href="https://mastodon.social/tags/Rust" class="mention '
    'hashtag" rel="tag">#<span>Rust</span></a></p><p>Second &lt;para&gt; with &quot;quotes&quot; and it&#39;s'
    '<br />a new line</p>',
    '<p>Read <a href="https://example.com/a/very/long/path?x=1" target="_blank" rel="nofollow noopener noreferrer"'
    ' translate="no"><span class="invisible">https://</span><span class="ellipsis">example.com/a/very/lo</span>'
    '<span class="invisible">ng/path?x=1</span></a> — über 🚀</p>',
    "<p>one</p><p>two</p><p>three</p>",
]


class _Oracle(HTMLParser):
    """Reference HTML → text with the standard library: <br> is a newline, a new paragraph a blank line."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.paragraphs = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.out.append("\n")
        elif tag == "p":
            if self.paragraphs:
                self.out.append("\n\n")
            self.paragraphs += 1

    def handle_data(self, data):
        self.out.append(data)


def as_text(html: str) -> str:
    p = _Oracle()
    p.feed(html)
    p.close()
    return "".join(p.out)


def statuses(domain: str) -> list[dict]:
    """Newest first with descending ids, as the server pages them."""
    original_elsewhere = masto_status("900", "2024-02-01T00:00:00.000Z", "<p>their post</p>", domain,
                                      counts=(9, 99, 999))
    return [
        masto_status("1050", "2024-03-05T12:00:00.000Z", "", domain, reblog=original_elsewhere),
        masto_status("1040", "2024-03-04T09:00:00.000Z", HTML_SAMPLES[2], domain, spoiler="CW: numbers"),
        # Mastodon 4.4 quote posts: {state, quoted_status}
        {**masto_status("1035", "2024-03-03T12:00:00.000Z", "<p>see this</p>", domain),
         "quote": {"state": "accepted", "quoted_status": original_elsewhere}, "quotes_count": 2},
        masto_status("1030", "2024-03-03T09:00:00.000Z", HTML_SAMPLES[1], domain, reply_to="1020",
                     counts=(0, 1, 2)),
        masto_status("1020", "2024-03-02T09:00:00.000Z", HTML_SAMPLES[0], domain, counts=(5, 6, 7)),
        masto_status("1010", "2024-03-01T09:00:00.123Z", "<p>first</p>", domain, counts=(0, 0, 1)),
    ]


def acct_for(httpserver) -> str:
    return f"@ceo@{httpserver.host}:{httpserver.port}"


def run(con, httpserver, sleep=None, **kw):
    return collect_mastodon(con, acct_for(httpserver), base_url=httpserver.url_for(""),
                            sleep=sleep or (lambda s: pytest.fail(f"unexpected sleep {s}")), **kw)


def test_statuses_page_by_link_header_and_become_posts(con, httpserver):
    domain = f"{httpserver.host}:{httpserver.port}"
    seen = serve_mastodon(httpserver, statuses(domain), page_size=2)
    out = run(con, httpserver)
    assert out["pages"] == 3 and out["statuses"] == 6 and out["account_id"] == MASTO_ACCOUNT_ID
    # the first call asks for the API's maximum of 40; later calls follow rel="next" (max_id)
    assert [s.get("max_id") for s in seen] == [None, "1040", "1030"] and seen[0]["limit"] == "40"
    warehouse.apply_layers(con)
    rows = con.sql("select * from posts where platform = 'mastodon' order by created_at").pl().to_dicts()
    assert [r["kind"] for r in rows] == ["original", "original", "reply", "quote", "original", "repost"]
    prefix = f"{domain}:"
    assert {r["account_id"] for r in rows} == {prefix + MASTO_ACCOUNT_ID}
    first, with_html, reply, quote, with_cw, reblog = rows
    assert quote["referenced_post_id"] == prefix + "900" and quote["quote_count"] == 2 and quote["text"] == "see this"
    assert with_html["quote_count"] is None  # servers before 4.4 send no quotes_count: unknown, not zero
    assert first["post_id"] == prefix + "1010"
    assert first["created_at"] == datetime(2024, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert (with_html["reply_count"], with_html["repost_count"], with_html["like_count"]) == (5, 6, 7)
    assert with_html["text"] == as_text(HTML_SAMPLES[0])
    assert with_html["text"] == ("Hello @bob & friends! #Rust\n\nSecond <para> with \"quotes\" and it's\n"
                                 "a new line")
    assert reply["text"] == as_text(HTML_SAMPLES[1]) and "https://example.com/a/very/long/path?x=1" in reply["text"]
    assert reply["referenced_post_id"] == prefix + "1020" and reply["in_reply_to_user_id"] == prefix + MASTO_ACCOUNT_ID
    assert with_cw["text"] == "CW: numbers\n\n" + as_text(HTML_SAMPLES[2])
    # a boost is timed by its own created_at and carries none of the original's counts
    assert reblog["created_at"] == datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    assert reblog["referenced_post_id"] == prefix + "900" and reblog["like_count"] is None
    assert reblog["text"] == "their post"
    acct = con.sql("select * from accounts where platform = 'mastodon'").pl().to_dicts()
    assert len(acct) == 1 and acct[0]["followers_count"] == 4321 and acct[0]["count_posts_collected"] == 6
    assert acct[0]["account_id"] == prefix + MASTO_ACCOUNT_ID and acct[0]["handle"] == f"ceo@{domain}"


def test_waits_for_the_reset_when_remaining_reaches_zero(con, httpserver):
    domain = f"{httpserver.host}:{httpserver.port}"
    serve_mastodon(httpserver, statuses(domain), page_size=2, exhaust_after=1, reset_in_s=30)
    slept = []
    out = run(con, httpserver, sleep=slept.append)
    # the first page spends the budget: one wait of ~31 s (reset against the server's Date) before page two
    assert len(slept) == 1 and 29 <= slept[0] <= 32
    assert out["pages"] == 3 and out["rate_limit_wait_s"] == slept[0]


def test_429_waits_and_retries(con, httpserver):
    domain = f"{httpserver.host}:{httpserver.port}"
    seen = serve_mastodon(httpserver, statuses(domain), page_size=5, fail_first=429, reset_in_s=10)
    slept = []
    out = run(con, httpserver, sleep=slept.append)
    # one refused request, then two pages (5 + 1 statuses)
    assert len(slept) == 1 and 9 <= slept[0] <= 12 and len(seen) == 3
    assert out["pages"] == 2 and out["statuses"] == 6


def test_wait_longer_than_the_bound_gives_up_and_lands_nothing(con, httpserver):
    domain = f"{httpserver.host}:{httpserver.port}"
    serve_mastodon(httpserver, statuses(domain), page_size=2, exhaust_after=1, reset_in_s=3600)
    with pytest.raises(MastodonError, match="rate limited for .* longer than the 330 s"):
        run(con, httpserver)
    assert warehouse.scalar(con, "select count(*) from raw_mastodon_pages") == 0
    assert warehouse.scalar(con, "select count(*) from raw_mastodon_accounts") == 0


def test_since_stops_paging(con, httpserver):
    domain = f"{httpserver.host}:{httpserver.port}"
    seen = serve_mastodon(httpserver, statuses(domain), page_size=2)
    out = run(con, httpserver, since=datetime(2024, 3, 4, tzinfo=UTC))
    assert out["pages"] == 2 and len(seen) == 2


def test_unknown_account_and_bad_handles(con, httpserver):
    serve_mastodon(httpserver, [], page_size=2)
    with pytest.raises(MastodonError, match="HTTP 404 Record not found"):
        collect_mastodon(con, f"@nobody@{httpserver.host}:{httpserver.port}", base_url=httpserver.url_for(""))
    with pytest.raises(MastodonError, match="@user@server"):
        parse_acct("ceo")
    assert parse_acct("@Gargron@Mastodon.Social") == ("Gargron", "mastodon.social")


def test_cli_collect_mastodon(db_path, httpserver):
    domain = f"{httpserver.host}:{httpserver.port}"
    serve_mastodon(httpserver, statuses(domain), page_size=40)
    r = CliRunner().invoke(app, ["collect", "mastodon", acct_for(httpserver), "--base-url", httpserver.url_for(""),
                                 "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert "6 statuses on 1 pages, 1 new; 4321 followers" in " ".join(r.output.split())
