"""Each mart's grain and columns, declared once.

The dashboard reads the columns from here instead of asking the warehouse which exist; tests/test_marts.py builds
a SIMULATED warehouse and checks that every mart has exactly these columns with these kinds of values, and that
no mart goes undeclared. A change to a mart's columns changes its entry here in the same commit.

Kinds of values: text, int, float, bool, date, timestamp (with time zone, UTC), list, json.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("text", "int", "float", "bool", "date", "timestamp", "list", "json")


@dataclass(frozen=True)
class Mart:
    """A mart: its grain, whether its rows belong to one account, what builds it, its columns."""

    name: str
    grain: str
    by_account: bool               # rows belong to one (platform, account_id); 'all' stands for every account merged
    built_by: str                  # "sql" (sql/marts/<name>.sql) or the module that computes it
    spec: str = field(repr=False)  # "column kind, column kind, ..."

    @property
    def columns(self) -> dict[str, str]:
        """Column name -> kind of value, in order."""
        return dict(part.strip().rsplit(" ", 1) for part in self.spec.split(",") if part.strip())

    def has(self, *columns: str) -> bool:
        """Whether the mart has all these columns."""
        return set(columns) <= self.columns.keys()


MARTS: dict[str, Mart] = {m.name: m for m in (
    Mart("posts", "one row per post (platform, post_id; an edited post once), newest known value of every field; "
         "a repost's own counts NULL, the original's in original_*",
         True, "sql",
         "platform text, post_id text, account_id text, created_at timestamp, kind text, "
         "referenced_post_id text, text text, lang text, conversation_id text, in_reply_to_user_id text, "
         "like_count int, reply_count int, repost_count int, quote_count int, bookmark_count int, "
         "impression_count int, original_like_count int, original_reply_count int, original_repost_count int, "
         "original_quote_count int, version_times list, deleted_at timestamp, community_id text, client_name text, "
         "metrics_observed_at timestamp, sources list, count_observations int, is_simulated bool"),
    Mart("post_metric_snapshots", "one row per post per time its public counts were observed",
         False, "sql",
         "platform text, post_id text, observed_at timestamp, like_count int, reply_count int, "
         "repost_count int, quote_count int, bookmark_count int, impression_count int, source text, "
         "is_simulated bool"),
    Mart("accounts", "one row per account (platform, account_id), newest profile and counts",
         True, "sql",
         "platform text, account_id text, handle text, display_name text, account_created_at timestamp, "
         "followers_count int, following_count int, post_count_reported int, last_observed_at timestamp, "
         "is_simulated bool, count_posts_collected int, first_post_at timestamp, last_post_at timestamp"),
    Mart("account_snapshots", "one row per account per time its public counts were observed",
         True, "sql",
         "platform text, account_id text, handle text, observed_at timestamp, followers_count int, "
         "following_count int, post_count int, listed_count int, source text, is_simulated bool"),
    Mart("time_on_platform", "one row per platform and account (and 'all' per person): floor, calibrated "
         "posting-session hours with a 95% interval, shares of three baselines, over local days; with traces "
         "(activity_events), their floor and the sessions with a post or a trace apart",
         True, "postaudit.metrics.posting_time",
         "platform text, account_id text, window_start date, window_end date, timezone text, "
         "timezone_source text, count_days int, count_posts int, count_scheduled_excluded int, floor_hours float, "
         "posting_hours float, posting_hours_low float, posting_hours_high float, baseline_working_hours float, "
         "baseline_waking_hours float, baseline_day_hours float, share_working float, share_working_low float, "
         "share_working_high float, share_waking float, share_waking_low float, share_waking_high float, "
         "share_day float, share_day_low float, share_day_high float, floor_share_working float, "
         "floor_share_waking float, floor_share_day float, method text, count_traces int, traces_used text, "
         "trace_floor_hours float, activity_floor_hours float, activity_hours float, activity_hours_low float, "
         "activity_hours_high float"),
    Mart("activity_events", "one row per public trace of activity by an audited account other than its own posts "
         "(like, repost, edit, delete, ad_impression, ad_engagement, reaction, pin, service, thread_reply), when it "
         "acted; detail says which act within the kind",
         True, "sql",
         "platform text, account_id text, kind text, occurred_at timestamp, source text, post_id text, "
         "target_id text, is_simulated bool, detail text"),
    Mart("hourly_activity", "one row per account, UTC weekday and hour with posts",
         True, "sql",
         "platform text, account_id text, weekday_utc int, hour_utc int, count_posts int"),
    Mart("group_messages", "one row per message in a group chat (platform, chat_id, message_id), from every sender",
         False, "sql",
         "platform text, chat_id text, message_id text, sender_id text, sent_at timestamp, "
         "reply_to_message_id text, is_executive bool, sender_name text, text text, chat_name text"),
    Mart("chat_member_counts", "one row per observation of a chat's member count (t.me page, Slack channels.json)",
         False, "sql",
         "platform text, chat_id text, chat_name text, count_members int, observed_at timestamp, source text, "
         "is_simulated bool"),
    Mart("press_gdelt_daily", "one row per GDELT query and UTC day",
         False, "sql",
         "query text, day date, count_articles int, count_all_articles int, share_of_all float, "
         "is_simulated bool"),
    Mart("sessions", "one row per burst of an account's activity, padded by composition time",
         True, "postaudit.build",
         "platform text, account_id text, session_id text, started_at timestamp, ended_at timestamp, "
         "count_posts int, minutes float"),
    Mart("daily_activity", "one row per account per UTC day with posts",
         True, "postaudit.build",
         "platform text, account_id text, day date, count_posts int, count_original int, count_reply int, "
         "count_quote int, count_repost int, like_count int, reply_count int, repost_count int, "
         "quote_count int, bookmark_count int, impression_count int, active_minutes float, "
         "count_sessions int, engagement_rate float"),
    Mart("account_timezone", "one row per account: inferred UTC offset and sleep window",
         True, "postaudit.build",
         "platform text, account_id text, utc_offset_hours float, confidence float, count_posts int, "
         "method text, sleep_start_local float, sleep_end_local float, sleep_hours_max float, "
         "count_nights int"),
    Mart("timeshare_estimates", "one row per account (and 'all') per assumption set: share of working time, 95% interval",
         True, "postaudit.build",
         "platform text, account_id text, assumption_set text, compose_set text, padding text, "
         "window_start date, window_end date, count_days int, count_days_active int, count_posts int, "
         "count_sessions int, observed_hours float, baseline_hours float, share float, ci_low float, "
         "ci_high float, waking_hours float, share_waking float, ci_low_waking float, ci_high_waking float, "
         "gap_minutes float, weekly_work_hours float, mean_session_minutes float, pad_hours float, "
         "n_boot int, block_days int, level float, ci_low_segmentation float, ci_high_segmentation float"),
    Mart("timeshare_sensitivity", "one row per account (and 'all') per combination of assumptions",
         True, "postaudit.build",
         "platform text, account_id text, compose_set text, padding text, gap_minutes float, "
         "weekly_work_hours float, share float, observed_hours float, baseline_hours float, "
         "count_sessions int, window_start date, window_end date"),
    Mart("timeshare_weekly", "one row per account (and 'all') per week",
         True, "postaudit.build",
         "platform text, account_id text, week_start date, share float, ci_low float, ci_high float, "
         "count_days int, observed_hours float, assumption_set text"),
    Mart("post_reactions", "one row per own post (reposts excluded) with reactions and engagement rate",
         True, "postaudit.build",
         "platform text, post_id text, account_id text, created_at timestamp, kind text, like_count int, "
         "reply_count int, repost_count int, quote_count int, bookmark_count int, impression_count int, "
         "followers_at_post int, reactions int, rate_basis text, engagement_rate float"),
    Mart("account_reach", "one row per account per UTC day: followers, impressions, reactions",
         True, "postaudit.build",
         "platform text, account_id text, day date, followers_count int, count_posts int, impressions int, "
         "posts_with_impressions int, likes int, replys int, reposts int, quotes int, bookmarks int, "
         "reactions int, followers_change int, impressions_per_post float, reactions_per_post float"),
    Mart("conversation_metrics", "one row per account: replies, answer times, burstiness",
         True, "postaudit.build",
         "platform text, account_id text, count_posts int, count_replies int, share_replies float, "
         "count_replies_timed int, count_replies_target_missing int, median_minutes_to_answer float, "
         "burstiness float, burstiness_corrected float, count_intervals int, burstiness_method text"),
    Mart("group_chat_metrics", "one row per group chat and window of k messages",
         False, "postaudit.build",
         "platform text, chat_id text, k int, count_messages int, count_executive int, "
         "median_seconds_on_screen float, p25_seconds_on_screen float, p75_seconds_on_screen float, "
         "median_seconds_on_screen_executive float, replies_per_message_executive float, "
         "replies_per_message_others float, reply_ratio float"),
    Mart("press_articles", "one row per copy of an article (URL), fields from the best source",
         False, "postaudit.press.build",
         "article_id text, url text, outlet text, outlet_domain text, author text, published_at timestamp, "
         "date_basis text, language text, title text, text text, post_urls list, retrieved_at timestamp, "
         "source text, sources list, is_simulated bool, story_id text, is_canonical bool"),
    Mart("press_stories", "one row per story: copies grouped, earliest canonical",
         False, "postaudit.press.build",
         "story_id text, title text, canonical_url text, canonical_outlet text, "
         "first_published_at timestamp, last_published_at timestamp, outlets list, languages list, "
         "count_copies int, count_outlets int, is_simulated bool"),
    Mart("press_claims", "one row per distinct claim of a story, found in the press",
         False, "postaudit.press.build",
         "claim_id text, story_id text, article_id text, metric text, value float, value_low float, "
         "value_high float, unit text, direction text, tolerance float, platform text, detail text, "
         "period_start date, period_end date, speaker text, self_report bool, sentence text, language text, "
         "published_at timestamp, count_copies int, source_url text, origin text, is_simulated bool, "
         "kind text"),
    Mart("claim_copies", "one row per copy of a story that states a claim",
         False, "postaudit.press.build",
         "claim_id text, article_id text, url text, outlet text, language text, published_at timestamp, "
         "sentence text"),
    Mart("press_daily", "one row per UTC day with coverage",
         False, "postaudit.press.build",
         "day date, count_stories int, count_new_stories int, count_copies int, count_outlets int, "
         "is_simulated bool"),
    Mart("press_post_daily", "one row per UTC day with coverage or posts",
         False, "postaudit.press.build",
         "day date, count_stories int, count_copies int, count_posts int, count_own_posts int"),
    Mart("press_post_links", "one row per article and a post it links or quotes",
         False, "postaudit.press.build",
         "article_id text, story_id text, post_id text, platform text, link_kind text, "
         "post_created_at timestamp, article_published_at timestamp, lag_hours float, is_simulated bool"),
    Mart("claims", "one row per distinct claim of a story (press) or of the claims file",
         False, "postaudit.claims",
         "claim_id text, story_id text, article_id text, metric text, value float, value_low float, "
         "value_high float, unit text, direction text, tolerance float, platform text, detail text, "
         "period_start date, period_end date, speaker text, self_report bool, sentence text, language text, "
         "published_at timestamp, count_copies int, source_url text, origin text, is_simulated bool"),
    Mart("claim_verdicts", "one row per claim: verdict code and phrase, reason, measured value and interval in the "
         "claim's unit, shares per baseline, window",
         False, "postaudit.verdicts",
         "claim_id text, verdict text, verdict_text text, reason text, metric text, platform text, "
         "account_id text, chat_id text, direction text, unit text, claimed_value float, claimed_low float, "
         "claimed_high float, tolerance float, estimate float, estimate_low float, estimate_high float, "
         "floor float, baseline text, r_star float, share_working float, share_working_low float, "
         "share_working_high float, floor_share_working float, share_waking float, share_waking_low float, "
         "share_waking_high float, floor_share_waking float, share_day float, share_day_low float, "
         "share_day_high float, floor_share_day float, window_start date, window_end date, window_basis text, "
         "count_days int, count_posts int, count_scheduled_excluded int, timezone text, timezone_source text, "
         "missing text, assumptions text, method text, origin text, is_simulated bool"),
)}


def columns(mart: str) -> list[str]:
    """The declared columns of a mart, in order."""
    return list(MARTS[mart].columns)


def by_account() -> tuple[str, ...]:
    """The marts whose rows belong to one account."""
    return tuple(m.name for m in MARTS.values() if m.by_account)


def kind_of(duckdb_type: str) -> str:
    """The kind of value of a DuckDB column type."""
    t = duckdb_type.upper()
    if t.endswith("[]"):
        return "list"
    if t.startswith("TIMESTAMP WITH TIME ZONE"):
        return "timestamp"
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"):
        return "int"
    if t in ("FLOAT", "DOUBLE") or t.startswith("DECIMAL"):
        return "float"
    return {"VARCHAR": "text", "BOOLEAN": "bool", "DATE": "date", "JSON": "json"}.get(t, t.lower())
