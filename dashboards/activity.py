"""Panels on when and what the account posts, all in the page's one local zone: hour × weekday, one week of
sessions with each night's break and other public traces, posts per day."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

import duckdb
import plotly.graph_objects as go

from postaudit.dashboards.figures import (
    KIND_COLOURS,
    SERIES_COLOURS,
    WEEKDAYS,
    Panel,
    clock,
    esc,
    esc_short,
    layout,
    missing,
    tiles,
)
from postaudit.dashboards.zone import Zone
from postaudit.warehouse import query_pl, table_exists

MAX_SESSION_BARS = 600      # a week holds at most ~1,000 sessions even at a 10-minute gap; the page stays small
MAX_WEEK_MARKERS = 400      # posts (and, apart, other traces) drawn in the week; more are thinned evenly
MIN_BAR_MINUTES = 3.0       # one-post sessions last ~0 min; drawn this wide so they stay visible
TRACE_SYMBOLS = {"like": "diamond", "repost": "triangle-up", "edit": "square", "delete": "x",
                 "reaction": "star", "pin": "star-triangle-up", "thread_reply": "circle-open", "service": "cross",
                 "ad_impression": "hexagon", "ad_engagement": "hexagon-open"}


def activity_heatmap(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """Posts by local hour of day × weekday in the page's zone (daylight saving followed for a stated zone)."""
    p = Panel("activity_heatmap", f"When posts are written (hour × weekday, {zone.label})",
              f"Darker cells hold more posts; the pale band of hours is when the account is quiet. Times: {zone.phrase}.")
    p.absent = missing(con, "posts")
    if p.absent:
        return p
    df = query_pl(con, f"""
        select cast(isodow(l) - 1 as int) as d, cast(hour(l) as int) as h, count(*) as n
        from (select {zone.sql('created_at')} as l from posts) group by all""")
    counts = {(d, h): n for d, h, n in df.iter_rows()}
    cells = [(d, h) for d in range(7) for h in range(24)]
    z = [counts.get(c, 0) for c in cells]
    fig = go.Figure(tiles(y=[WEEKDAYS[d] for d, _ in cells], base=[h for _, h in cells], z=z,
                          hover=[f"{WEEKDAYS[d]} {h:02d}:00–{h + 1:02d}:00: {counts.get((d, h), 0)} posts"
                                 for d, h in cells], colorbar="posts"))
    layout(fig, height=300, xaxis={"range": [0, 24], "dtick": 3, "title": f"hour of day ({zone.label})"},
           yaxis={"autorange": "reversed", "type": "category", "categoryorder": "array", "categoryarray": WEEKDAYS},
           margin={"l": 50, "r": 20, "t": 10, "b": 50})
    p.figure = fig
    return p


def _local_sessions(zone: Zone) -> str:
    return (f"select s.platform, s.account_id, s.started_at, s.ended_at, s.minutes, s.count_posts, "
            f"{zone.sql('s.started_at')} as start_local, {zone.sql('s.ended_at')} as end_local from sessions s")


def _pick_week(con: duckdb.DuckDBPyConnection, zone: Zone) -> date | None:
    """The latest local Monday-to-Sunday week that the data covers to its end, else the latest week at all."""
    rows = con.execute(f"""
        with l as ({_local_sessions(zone)})
        select max(date_trunc('week', start_local)::date) filter (
                   where date_trunc('week', start_local)::date + 6 <= (select max(start_local)::date from l)),
               max(date_trunc('week', start_local)::date)
        from l""").fetchall()[0]
    return rows[0] or rows[1]


def quiet_hour(con: duckdb.DuckDBPyConnection, zone: Zone) -> int:
    """The local clock hour with the fewest posts over the whole period (ties: the one nearest 04:00)."""
    counts = dict(con.execute(f"select hour({zone.sql('created_at')})::int, count(*) from posts group by 1").fetchall()
                  if table_exists(con, "posts") else [])
    return min(range(24), key=lambda h: (counts.get(h, 0), abs(h - 4)))


def night_breaks(con: duckdb.DuckDBPyConnection, zone: Zone) -> list[tuple[date, datetime, datetime]]:
    """Each night's break between sessions through the quietest hour of the day, as (night, start, end).

    The quietest hour comes from the posts (the heatmap's palest column); the break that spans it on a given
    night is an upper bound on that night's sleep, drawn from the same sessions as the bars. A night whose
    quiet hour falls inside a session has no break. Night n runs from noon on day n to noon on day n + 1.
    """
    quiet = quiet_hour(con, zone)
    after_noon = quiet + 24 if quiet < 12 else quiet        # hours from midnight starting night n's calendar day
    rows = con.execute(f"""
        with l as ({_local_sessions(zone)}),
        g as (select start_local,
                     max(end_local) over (order by start_local, end_local
                                          rows between unbounded preceding and 1 preceding) as prev_end
              from l),
        gaps as (select prev_end, start_local from g where prev_end is not null and start_local > prev_end),
        nights as (select unnest(generate_series((select min(start_local)::date - 1 from l),
                                                 (select max(end_local)::date from l), interval 1 day))::date as night)
        select night, prev_end, start_local
        from nights join gaps on prev_end <= night + to_hours({after_noon})
                             and start_local > night + to_hours({after_noon})
        order by night""").fetchall()
    return [(n, s, e) for n, s, e in rows]


def _hours_after_noon(t: datetime, night: date) -> float:
    return (t - datetime.combine(night, datetime.min.time())).total_seconds() / 3600 - 12


def typical_break(breaks: list[tuple[date, datetime, datetime]]) -> tuple[float, float] | None:
    """The median start and end (local clock hours) of the nightly breaks."""
    if not breaks:
        return None
    start = statistics.median(_hours_after_noon(s, n) for n, s, _ in breaks) + 12
    end = statistics.median(_hours_after_noon(e, n) for n, _, e in breaks) + 12
    return start % 24, end % 24


def _pieces(start: datetime, end: datetime, labels: dict[date, str]) -> list[tuple[str, float, float]]:
    """A local interval cut at midnights into (day label, start hour, length in hours) on the week's rows."""
    out, piece = [], start
    while piece < end:
        midnight = datetime.combine(piece.date() + timedelta(days=1), datetime.min.time())
        stop = min(end, midnight)
        if piece.date() in labels:
            out.append((labels[piece.date()], piece.hour + piece.minute / 60 + piece.second / 3600,
                        (stop - piece).total_seconds() / 3600))
        piece = stop
    return out


def _markers(con: duckdb.DuckDBPyConnection, zone: Zone, week: date, labels: dict[date, str],
             table: str, at: str, what: str) -> tuple[dict[str, dict[str, list]], int]:
    """Posts (what = kind) or traces of the week as points by kind (day row, local hour, hover text), and how
    many the week holds; above MAX_WEEK_MARKERS every k-th in time order is kept, so the whole week stays drawn."""
    df = query_pl(con, f"""
        with l as (select platform, {what} as what, {zone.sql(at)} as t from {table}
                   where {at} >= ?::timestamptz - interval 2 day and {at} < ?::timestamptz + interval 9 day),
        w as (select * from l where t >= ?::timestamp and t < ?::timestamp + interval 7 day)
        select platform, what, t, count(*) over () as n from w
        qualify (row_number() over (order by t, platform, what) - 1)
                % greatest(1, ceil(count(*) over () / {MAX_WEEK_MARKERS})::bigint) = 0
        order by t""", [week, week, week, week])
    out: dict[str, dict[str, list]] = {}
    for platform, kind, t, _ in df.iter_rows():
        if t.date() in labels:
            m = out.setdefault(kind or "other", {"y": [], "x": [], "text": []})
            m["y"].append(labels[t.date()])
            m["x"].append(t.hour + t.minute / 60 + t.second / 3600)
            m["text"].append(f"{t:%a %H:%M} {esc(platform)} {esc(kind)}")
    return out, (df["n"][0] if df.height else 0)


def _thinned(shown: dict[str, dict[str, list]], total: int, what: str) -> str:
    n = sum(len(m["x"]) for m in shown.values())
    return f" {what} thinned to every {-(-total // n)}th of {total:,} in this week." if n < total else ""


def session_week(con: duckdb.DuckDBPyConnection, zone: Zone, week: date | None = None) -> Panel:
    """One bar per session across the days of one week in the page's zone, each night's break
    shaded, posts as ticks and other public traces (activity_events) as marks."""
    p = Panel("sessions", "Sessions in one week", "")
    p.absent = missing(con, "sessions")
    if p.absent:
        return p
    week = week or _pick_week(con, zone)
    p.title = f"Sessions in the week of {week:%d %b %Y} ({zone.label})"
    days = [week + timedelta(days=i) for i in range(7)]
    labels = {d: f"{d:%a %d %b}" for d in days}
    first_text, join_posts, params = "null::varchar", "", [week]
    if table_exists(con, "posts"):
        # Posts only from the chosen week (± a day for the offset), so the join stays small for any N.
        first_text = ("(select arg_min(p.text, p.created_at) from wp p where p.platform = w.platform and "
                      "p.account_id = w.account_id and p.created_at between w.started_at and w.ended_at)")
        join_posts = (", wp as (select platform, account_id, created_at, text from posts "
                      "where created_at >= ?::timestamptz - interval 2 day and created_at < ?::timestamptz + interval 9 day)")
        params += [week, week]
    df = query_pl(con, f"""
        with l as ({_local_sessions(zone)}),
        w as (select * from l where date_trunc('week', start_local)::date = ?::date
              order by start_local limit {MAX_SESSION_BARS}){join_posts}
        select platform, start_local, end_local, minutes, count_posts, {first_text} as first_text
        from w order by start_local""", params)
    if not df.height:
        p.absent = f"Data absent: no sessions in the week of {week:%d %b %Y}."
        return p
    fig = go.Figure()
    breaks = night_breaks(con, zone)
    gaps = {"y": [], "base": [], "x": [], "text": []}
    for night, start, end in breaks:
        if week - timedelta(days=1) <= night <= days[-1]:
            hover = f"night of {night:%a %d %b}: no session {start:%H:%M}–{end:%H:%M} ({(end - start).total_seconds() / 3600:.1f} h)"
            for label, base, length in _pieces(start, end, labels):
                gaps["y"].append(label)
                gaps["base"].append(base)
                gaps["x"].append(length)
                gaps["text"].append(hover)
    if gaps["x"]:
        fig.add_trace(go.Bar(y=gaps["y"], x=gaps["x"], base=gaps["base"], orientation="h",
                             name="night's break", marker_color="rgba(120,120,140,0.16)",
                             hovertext=gaps["text"], hovertemplate="%{hovertext}<extra></extra>", width=0.9))
    traces: dict[str, dict[str, list]] = {}
    for r in df.iter_rows(named=True):
        start: datetime = r["start_local"]
        end: datetime = max(r["end_local"], start + timedelta(minutes=MIN_BAR_MINUTES))
        hover = f"{start:%a %H:%M}–{r['end_local']:%H:%M}, {r['minutes']:.0f} min, {r['count_posts']} posts"
        if r["first_text"]:
            hover += f"<br>{esc_short(r['first_text'], 90)}"
        t = traces.setdefault(r["platform"], {"y": [], "base": [], "x": [], "text": []})
        # A session that runs past local midnight is drawn as two pieces, one on each day's row.
        for label, base, length in _pieces(start, end, labels):
            t["y"].append(label)
            t["base"].append(base)
            t["x"].append(length)
            t["text"].append(hover)
    several = len(traces) > 1
    for i, (platform, t) in enumerate(sorted(traces.items())):
        fig.add_trace(go.Bar(y=t["y"], x=t["x"], base=t["base"], orientation="h",
                             name=esc(f"{platform} sessions" if several else "sessions"),
                             marker_color=SERIES_COLOURS[i % len(SERIES_COLOURS)], hovertext=t["text"],
                             hovertemplate="%{hovertext}<extra></extra>", width=0.6))
    thinned = ""
    if table_exists(con, "posts"):
        posts, count_posts = _markers(con, zone, week, labels, "posts", "created_at", "kind")
        thinned = _thinned(posts, count_posts, "Ticks")
        xs = [x for m in posts.values() for x in m["x"]]
        if xs:
            fig.add_trace(go.Scatter(
                y=[y for m in posts.values() for y in m["y"]], x=xs, mode="markers", name="posts",
                marker={"symbol": "line-ns-open", "size": 9, "color": "#1d232b", "line": {"width": 1}},
                hovertext=[t for m in posts.values() for t in m["text"]], hovertemplate="%{hovertext}<extra></extra>"))
    traces_note = _add_activity(fig, con, zone, week, labels)
    gap_note = ""
    typical = typical_break(breaks)
    if typical:
        gap_note = (" Grey: each night's break between sessions through the quietest hour of the day "
                    f"({quiet_hour(con, zone):02d}:00, from the posts), an upper bound on that night's sleep; over "
                    f"the whole period it runs {clock(typical[0])}–{clock(typical[1])} (medians).")
    p.caption = ("One bar per inferred session (posts closer together than the session gap) from its first to its "
                 f"last post plus padding; bars under {MIN_BAR_MINUTES:g} min are drawn {MIN_BAR_MINUTES:g} min wide; "
                 f"ticks are posts.{thinned}{gap_note}{traces_note} Times: {zone.phrase}.")
    layout(fig, height=360, barmode="overlay",
           xaxis={"range": [0, 24], "dtick": 3, "title": f"hour of day ({zone.label})"},
           yaxis={"categoryorder": "array", "categoryarray": [labels[d] for d in days], "autorange": "reversed",
                  "type": "category", "tickvals": [labels[d] for d in days]},
           margin={"l": 80, "r": 20, "t": 34, "b": 50})
    p.figure = fig
    return p


def _add_activity(fig: go.Figure, con: duckdb.DuckDBPyConnection, zone: Zone, week: date,
                  labels: dict[date, str]) -> str:
    """Other public traces (likes, edits, …) of the week as marks; returns the caption's sentence about them."""
    if not table_exists(con, "activity_events"):
        return (" Likes, reposts, edits and other public traces are drawn beside the posts when the warehouse has "
                "`activity_events`; this one has none.")
    events, count_events = _markers(con, zone, week, labels, "activity_events", "occurred_at", "kind")
    if not events:
        return " No public traces other than posts (`activity_events`) fall in this week."
    for i, (kind, m) in enumerate(sorted(events.items())):
        fig.add_trace(go.Scatter(y=m["y"], x=m["x"], mode="markers", name=esc(f"{kind.replace('_', ' ')}s"),
                                 marker={"symbol": TRACE_SYMBOLS.get(kind, "circle"), "size": 7,
                                         "color": SERIES_COLOURS[(i + 3) % len(SERIES_COLOURS)]},
                                 hovertext=m["text"], hovertemplate="%{hovertext}<extra></extra>"))
    return (f" Marks: {count_events:,} other public traces from `activity_events` (likes, reposts, edits, …)."
            + _thinned(events, count_events, "Marks"))


def posts_per_day(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel:
    """Stacked posts per local day by kind."""
    p = Panel("posts_per_day", "Posts per day by kind",
              f"Each bar is one local day ({zone.label}), stacked by kind: originals, replies, quotes and reposts.")
    p.absent = missing(con, "posts")
    if p.absent:
        return p
    df = query_pl(con, f"""select {zone.sql('created_at')}::date as day, kind, count(*) as n
                           from posts group by all order by day""")
    days = sorted(set(df["day"].to_list()))
    kinds = [k for k in KIND_COLOURS if k in set(df["kind"].to_list())]
    others = sorted({k for k in df["kind"].to_list() if k not in KIND_COLOURS}, key=str)
    counts = {(d, k): n for d, k, n in df.iter_rows()}
    fig = go.Figure()
    for k in kinds:
        fig.add_trace(go.Bar(x=days, y=[counts.get((d, k), 0) for d in days], name=k, marker_color=KIND_COLOURS[k]))
    if others:
        fig.add_trace(go.Bar(x=days, y=[sum(counts.get((d, k), 0) for k in others) for d in days], name="other",
                             marker_color="#bab0ac"))
    layout(fig, barmode="stack", yaxis_title="posts", bargap=0.1, xaxis_title=f"day ({zone.label})")
    p.figure = fig
    return p


def posts_per_platform(con: duckdb.DuckDBPyConnection, zone: Zone) -> Panel | None:
    """Posts per local day, one line per platform; None with a single platform (the stacked bars say it all)."""
    if missing(con, "posts") or con.execute("select count(distinct platform) from posts").fetchall()[0][0] < 2:
        return None
    p = Panel("posts_per_platform", "Posts per day by platform",
              "One line per platform; a platform with no line has no collected posts in the period.")
    df = query_pl(con, f"""select platform, {zone.sql('created_at')}::date as day, count(*) as n
                           from posts group by all order by platform, day""")
    fig = go.Figure()
    for i, platform in enumerate(df["platform"].unique(maintain_order=True).to_list()):
        s = df.filter(df["platform"] == platform)
        fig.add_trace(go.Scatter(x=s["day"].to_list(), y=s["n"].to_list(), mode="lines", name=esc(platform),
                                 line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)]}))
    layout(fig, height=280, yaxis_title="posts", yaxis_rangemode="tozero", xaxis_title=f"day ({zone.label})")
    p.figure = fig
    return p
