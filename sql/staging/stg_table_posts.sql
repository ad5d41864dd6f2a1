-- one row per row of an imported CSV/JSONL file, read through the column mapping stored with it, in the stg_posts contract
with landed as (
    select
        record_id, source, retrieved_at, is_simulated, payload,
        record_key::json ->> 'platform'     as platform,
        record_key::json -> 'map'           as m,
        record_key::json ->> 'tz'           as tz,
        record_key::json ->> 'account'      as fixed_account,
        -- with --time-format the importer read the time by DuckDB's strptime (whose pattern must be a constant,
        -- so not here) and recorded it as ISO 8601: UTC with an offset, or local time in the zone --tz names
        record_key::json ->> 'time'         as read_time
    from raw_table_rows
),

fields as (
    select
        *,
        -- a mapped column name is a plain key: ->> with a text key never reads it as a JSON path
        coalesce(read_time, trim(payload ->> (m ->> 'time')))               as time_text,
        case when read_time is null then json_type(payload -> (m ->> 'time')) end as time_type
    from landed
),

typed as (
    select
        -- without an id column a row is named by its content, so re-importing it names it the same
        coalesce(nullif(trim(payload ->> (m ->> 'id')), ''), 'row:' || md5(payload::varchar)) as post_id,
        platform,
        coalesce(nullif(trim(payload ->> (m ->> 'account')), ''), fixed_account) as account_id,
        -- the importer accepted only these forms (table_import.ISO_TIME / EPOCH): epoch seconds
        -- (milliseconds from 1e11 on, i.e. 13 digits), ISO 8601 with an offset, or naive ISO with the
        -- zone the user stated (--tz)
        case
            when time_type in ('UBIGINT', 'BIGINT', 'DOUBLE') or regexp_full_match(time_text, '[0-9]+(\.[0-9]+)?')
                then to_timestamp(case when time_text::double >= 1e11 then time_text::double / 1000
                                       else time_text::double end)
            when regexp_matches(time_text, '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
                then time_text::timestamptz
            else timezone(tz, time_text::timestamp)
        end                                                                 as created_at,
        coalesce(nullif(lower(trim(payload ->> (m ->> 'kind'))), ''), 'original') as kind,
        nullif(trim(payload ->> (m ->> 'reply_to')), '')                    as referenced_post_id,
        nullif(payload ->> (m ->> 'text'), '')                              as text,
        nullif(trim(payload ->> (m ->> 'lang')), '')                        as lang,
        null::varchar                                                       as conversation_id,
        null::varchar                                                       as in_reply_to_user_id,
        null::varchar                                                       as client_name,
        try_cast(nullif(trim(payload ->> (m ->> 'likes')), '') as bigint)   as like_count,
        try_cast(nullif(trim(payload ->> (m ->> 'replies')), '') as bigint) as reply_count,
        try_cast(nullif(trim(payload ->> (m ->> 'reposts')), '') as bigint) as repost_count,
        try_cast(nullif(trim(payload ->> (m ->> 'quotes')), '') as bigint)  as quote_count,
        null::bigint                                                        as bookmark_count,
        try_cast(nullif(trim(payload ->> (m ->> 'views')), '') as bigint)   as impression_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated
    from fields
),

final as (
    select
        post_id, platform, account_id, created_at, kind, referenced_post_id, text, lang, conversation_id,
        in_reply_to_user_id, client_name,
        -- on a repost row the counts are the reposted original's (as every platform reports them): kept apart
        case when kind <> 'repost' then like_count end                      as like_count,
        case when kind <> 'repost' then reply_count end                     as reply_count,
        case when kind <> 'repost' then repost_count end                    as repost_count,
        case when kind <> 'repost' then quote_count end                     as quote_count,
        bookmark_count,
        case when kind <> 'repost' then impression_count end                as impression_count,
        case when kind = 'repost' then like_count end                       as original_like_count,
        case when kind = 'repost' then reply_count end                      as original_reply_count,
        case when kind = 'repost' then repost_count end                     as original_repost_count,
        case when kind = 'repost' then quote_count end                      as original_quote_count,
        created_at                                                          as version_created_at,
        null::timestamptz                                                   as deleted_at,
        null::varchar                                                       as community_id,
        observed_at, source, record_id, is_simulated
    from typed
)

select * from final
