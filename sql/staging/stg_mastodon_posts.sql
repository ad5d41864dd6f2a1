-- one row per status on a landed /api/v1/accounts/:id/statuses page, in the stg_posts contract
with pages as (
    select record_id, source, retrieved_at, is_simulated, record_key, payload
    from raw_mastodon_pages
    where json_type(payload) = 'ARRAY'
),

statuses as (
    select
        pages.* exclude (payload, record_key),
        -- ids are local to the server we asked (the account's home server, named in record_key
        -- as user@domain): prefix them with the domain so two servers' ids never collide
        split_part(record_key, '@', 2) || ':'                               as id_prefix,
        unnest(json_extract(payload, '$[*]'))                               as s
    from pages
),

typed as (
    select
        *,
        json_type(s, '$.reblog') = 'OBJECT'                                 as is_reblog,
        -- quotes arrived in Mastodon 4.4 as {state, quoted_status}; older servers have no such field
        s -> 'quote' -> 'quoted_status' ->> 'id'                            as quoted_id,
        -- content is HTML from Mastodon's own sanitizer (p, br, a, span only; & < > " ' escaped as
        -- &amp; &lt; &gt; &quot; &#39;), so a few replacements give the plain text; a reblog's own
        -- content is empty: take the reblogged text
        case when json_type(s, '$.reblog') = 'OBJECT' then s -> 'reblog' ->> 'content'
             else s ->> 'content' end                                      as html
    from statuses
),

texts as (
    select
        *,
        replace(replace(replace(replace(replace(replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(html, '<br\s*/?>', chr(10), 'gi'),
                    '</p>\s*<p[^>]*>', chr(10) || chr(10), 'gi'),
                '<[^>]*>', '', 'g'),
            '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&apos;', ''''), '&amp;', '&')
                                                                            as plain
    from typed
),

final as (
    select
        id_prefix || (s ->> 'id')                                           as post_id,
        'mastodon'                                                          as platform,
        id_prefix || (s -> 'account' ->> 'id')                              as account_id,
        -- a reblog's created_at is when the executive boosted, not when the original was written
        safe_time(s ->> 'created_at')                                       as created_at,
        case
            when is_reblog then 'repost'
            when (s ->> 'in_reply_to_id') is not null then 'reply'
            when quoted_id is not null then 'quote'
            else 'original'
        end                                                                 as kind,
        id_prefix || case
            when is_reblog then s -> 'reblog' ->> 'id'
            when (s ->> 'in_reply_to_id') is not null then s ->> 'in_reply_to_id'
            else quoted_id
        end                                                                 as referenced_post_id,
        -- a content warning is typed too: it goes before the text
        nullif(concat_ws(chr(10) || chr(10), nullif(s ->> 'spoiler_text', ''), nullif(plain, '')), '') as text,
        s ->> 'language'                                                    as lang,
        null::varchar                                                       as conversation_id,
        id_prefix || (s ->> 'in_reply_to_account_id')                       as in_reply_to_user_id,
        s -> 'application' ->> 'name'                                       as client_name,
        -- a reblog's counts belong to the original status
        case when not is_reblog then safe_count(s ->> 'favourites_count') end as like_count,
        case when not is_reblog then safe_count(s ->> 'replies_count') end    as reply_count,
        case when not is_reblog then safe_count(s ->> 'reblogs_count') end    as repost_count,
        case when not is_reblog then safe_count(s ->> 'quotes_count') end     as quote_count,
        null::bigint                                                        as bookmark_count,
        null::bigint                                                        as impression_count,
        case when is_reblog then safe_count(s -> 'reblog' ->> 'favourites_count') end as original_like_count,
        case when is_reblog then safe_count(s -> 'reblog' ->> 'replies_count') end    as original_reply_count,
        case when is_reblog then safe_count(s -> 'reblog' ->> 'reblogs_count') end    as original_repost_count,
        case when is_reblog then safe_count(s -> 'reblog' ->> 'quotes_count') end     as original_quote_count,
        -- an edit keeps the status id; edited_at is the latest edit, itself activity
        coalesce(safe_time(s ->> 'edited_at'), safe_time(s ->> 'created_at')) as version_created_at,
        null::timestamptz                                                   as deleted_at,
        null::varchar                                                       as community_id,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a status without an id, account or readable time
        -- cannot be told apart, attributed or placed and is left out; an unreadable count is NULL
        rejects('status ' || (s ->> 'id'), [
            required('id', s ->> 'id'),
            required('account.id', s -> 'account' ->> 'id'),
            time_reject('created_at', s ->> 'created_at', true),
            count_reject('favourites_count', case when not is_reblog then s ->> 'favourites_count' end),
            count_reject('replies_count', case when not is_reblog then s ->> 'replies_count' end),
            count_reject('reblogs_count', case when not is_reblog then s ->> 'reblogs_count' end),
            count_reject('quotes_count', case when not is_reblog then s ->> 'quotes_count' end),
            time_reject('edited_at', s ->> 'edited_at', false),
            count_reject('reblog.favourites_count', case when is_reblog then s -> 'reblog' ->> 'favourites_count' end),
            count_reject('reblog.replies_count', case when is_reblog then s -> 'reblog' ->> 'replies_count' end),
            count_reject('reblog.reblogs_count', case when is_reblog then s -> 'reblog' ->> 'reblogs_count' end),
            count_reject('reblog.quotes_count', case when is_reblog then s -> 'reblog' ->> 'quotes_count' end)])
                                                                            as rejects
    from texts
)

select * from final
