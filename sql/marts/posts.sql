-- one row per post (platform, post_id): typed, with the newest known value of every field
--
-- An edited post is one post: its versions share the post_id (the chain's first version), created_at is the first
-- version's time, text and counts come from the latest version, and version_times keeps every version's time.
-- A repost's own counts are NULL: what the platform reported for the reposted original is in original_*.
with observations as (
    select * from stg_posts
),

-- Most posts are observed once: they pass straight through, and only the re-observed ones are aggregated.
-- Aggregating every post at once kept 15 states per post (text included) in one hash table, which spilled
-- at 10M posts (84 s there, 2.4 s at 1M); the keys seen twice are few, so both joins below build on them.
observed_twice as (
    select platform, post_id
    from observations
    group by platform, post_id
    having count(*) > 1
),

observed_once as (
    select
        platform,
        post_id,
        account_id,
        created_at,
        kind,
        referenced_post_id,
        text,
        lang,
        conversation_id,
        in_reply_to_user_id,
        like_count,
        reply_count,
        repost_count,
        quote_count,
        bookmark_count,
        impression_count,
        original_like_count,
        original_reply_count,
        original_repost_count,
        original_quote_count,
        case when version_created_at = created_at or version_created_at is null then [created_at]
             else list_sort([created_at, version_created_at]) end                            as version_times,
        deleted_at,
        community_id,
        client_name,
        observed_at                                                                          as metrics_observed_at,
        [source]                                                                             as sources,
        1::bigint                                                                            as count_observations,
        is_simulated
    from observations
    anti join observed_twice using (platform, post_id)
),

observed_again as (
    select
        platform,
        post_id,
        -- each field takes its newest non-missing value, so a source that lacks a field
        -- (the X archive has no impression count) never blanks what another source knows
        arg_max(account_id, observed_at) filter (where account_id is not null)              as account_id,
        min(created_at)                                                                      as created_at,
        -- kind and the referenced post: an API observation beats the X archive, whose quote and repost
        -- detection is inferred from text and links; among equals the newest wins
        arg_max(kind, struct_pack(api := source <> 'x_archive', at := observed_at))          as kind,
        arg_max(referenced_post_id, struct_pack(api := source <> 'x_archive', at := observed_at))
            filter (where referenced_post_id is not null)                                    as referenced_post_id,
        -- text and counts: the latest version of an edited post, then the newest observation
        arg_max(text, struct_pack(v := version_created_at, at := observed_at)) filter (where text is not null) as text,
        arg_max(lang, struct_pack(v := version_created_at, at := observed_at)) filter (where lang is not null) as lang,
        arg_max(conversation_id, observed_at) filter (where conversation_id is not null)     as conversation_id,
        arg_max(in_reply_to_user_id, observed_at) filter (where in_reply_to_user_id is not null) as in_reply_to_user_id,
        arg_max(like_count, struct_pack(v := version_created_at, at := observed_at)) filter (where like_count is not null) as like_count,
        arg_max(reply_count, struct_pack(v := version_created_at, at := observed_at)) filter (where reply_count is not null) as reply_count,
        arg_max(repost_count, struct_pack(v := version_created_at, at := observed_at)) filter (where repost_count is not null) as repost_count,
        arg_max(quote_count, struct_pack(v := version_created_at, at := observed_at)) filter (where quote_count is not null) as quote_count,
        arg_max(bookmark_count, struct_pack(v := version_created_at, at := observed_at)) filter (where bookmark_count is not null) as bookmark_count,
        arg_max(impression_count, struct_pack(v := version_created_at, at := observed_at)) filter (where impression_count is not null) as impression_count,
        arg_max(original_like_count, observed_at) filter (where original_like_count is not null) as original_like_count,
        arg_max(original_reply_count, observed_at) filter (where original_reply_count is not null) as original_reply_count,
        arg_max(original_repost_count, observed_at) filter (where original_repost_count is not null) as original_repost_count,
        arg_max(original_quote_count, observed_at) filter (where original_quote_count is not null) as original_quote_count,
        list_sort(list_distinct(flatten(list([created_at, version_created_at]))))            as version_times,
        min(deleted_at)                                                                      as deleted_at,
        arg_max(community_id, observed_at) filter (where community_id is not null)           as community_id,
        arg_max(client_name, observed_at) filter (where client_name is not null)             as client_name,
        max(observed_at)                                                                     as metrics_observed_at,
        list_sort(list_distinct(list(source)))                                               as sources,
        count(*)                                                                             as count_observations,
        bool_or(is_simulated)                                                                as is_simulated
    from observations
    semi join observed_twice using (platform, post_id)
    group by platform, post_id
),

final as (
    select * from observed_once
    union all by name
    select * from observed_again
)

select * from final
