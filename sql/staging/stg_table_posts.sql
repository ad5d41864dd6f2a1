-- one row per row of an imported CSV/JSONL file, read through the column mapping stored with it, in the stg_posts contract
with landed as (
    select
        record_id, source, retrieved_at, is_simulated, payload,
        record_key::json ->> 'platform'     as platform,
        record_key::json -> 'map'           as m,
        zones.name                          as tz,      -- --tz, if DuckDB knows the zone
        record_key::json ->> 'account'      as fixed_account,
        -- with --time-format the importer read the time by DuckDB's strptime (whose pattern must be a constant,
        -- so not here) and recorded it as ISO 8601: UTC with an offset, or local time in the zone --tz names
        record_key::json ->> 'time'         as read_time
    from raw_table_rows
    left join pg_timezone_names() as zones on zones.name = (record_key::json ->> 'tz')
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
                then safe_epoch(case when try_cast(time_text as double) >= 1e11 then try_cast(time_text as double) / 1000
                                     else try_cast(time_text as double) end)
            when regexp_matches(time_text, '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$')
                then safe_time(time_text)
            else safe_local_time(tz, time_text)
        end                                                                 as created_at,
        coalesce(nullif(lower(trim(payload ->> (m ->> 'kind'))), ''), 'original') as kind,
        nullif(trim(payload ->> (m ->> 'reply_to')), '')                    as referenced_post_id,
        nullif(payload ->> (m ->> 'text'), '')                              as text,
        nullif(trim(payload ->> (m ->> 'lang')), '')                        as lang,
        null::varchar                                                       as conversation_id,
        null::varchar                                                       as in_reply_to_user_id,
        null::varchar                                                       as client_name,
        safe_count(nullif(trim(payload ->> (m ->> 'likes')), ''))           as like_count,
        safe_count(nullif(trim(payload ->> (m ->> 'replies')), ''))         as reply_count,
        safe_count(nullif(trim(payload ->> (m ->> 'reposts')), ''))         as repost_count,
        safe_count(nullif(trim(payload ->> (m ->> 'quotes')), ''))          as quote_count,
        null::bigint                                                        as bookmark_count,
        safe_count(nullif(trim(payload ->> (m ->> 'views')), ''))           as impression_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a row without a readable time or an account cannot be
        -- placed or attributed and is left out; an unreadable count is NULL
        rejects('row ' || post_id, [
            reject(m ->> 'time', time_text, case when created_at is null
                   then coalesce(missing_problem(nullif(time_text, '')),
                                 'not a time from 1970-2099 in a form the importer reads') end, true),
            reject(coalesce(m ->> 'account', 'account'), payload ->> (m ->> 'account'),
                   case when account_id is null then 'missing (no --account either)' end, true),
            count_reject(m ->> 'likes', nullif(trim(payload ->> (m ->> 'likes')), '')),
            count_reject(m ->> 'replies', nullif(trim(payload ->> (m ->> 'replies')), '')),
            count_reject(m ->> 'reposts', nullif(trim(payload ->> (m ->> 'reposts')), '')),
            count_reject(m ->> 'quotes', nullif(trim(payload ->> (m ->> 'quotes')), '')),
            count_reject(m ->> 'views', nullif(trim(payload ->> (m ->> 'views')), ''))])
                                                                            as rejects
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
        observed_at, source, record_id, is_simulated, rejects
    from typed
)

select * from final
