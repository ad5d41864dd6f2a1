-- one row per chat message (service messages skipped) per landing, from every sender, with whether the executive
-- sent it, in the stg_chat_messages contract
with landed as (
    select record_id, source, retrieved_at, is_simulated, record_key::json as k, payload, zones.name as tz
    from raw_telegram_messages
    -- the zone old exports were imported with (--tz), if DuckDB knows it
    left join pg_timezone_names() as zones on zones.name = (record_key::json ->> 'tz')
    where (payload ->> 'type') = 'message'
),

typed as (
    select
        'telegram'                                                          as platform,
        k ->> 'chat_id'                                                     as chat_id,
        k ->> 'chat_type'                                                   as chat_type,
        k ->> 'executive_id'                                                as executive_id,
        payload ->> 'id'                                                    as message_id,
        -- senders as exports since 2021 write them ("user123", "channel123"); older exports wrote one integer
        -- with the peer type in its high bits (+2^33 a channel, +2^32 a basic group, a user as is), decoded
        -- as telegram.sender_id does. A channel's own posts may carry no from_id: they are the channel's.
        case
            when coalesce(not regexp_full_match(payload ->> 'from_id', '[0-9]+'), true)
                then coalesce(payload ->> 'from_id', 'channel' || (k ->> 'chat_id'))
            when try_cast(payload ->> 'from_id' as hugeint) between 8589934592 and 17179869183
                then 'channel' || (try_cast(payload ->> 'from_id' as hugeint) - 8589934592)
            when try_cast(payload ->> 'from_id' as hugeint) between 4294967296 and 8589934591
                then 'chat' || (try_cast(payload ->> 'from_id' as hugeint) - 4294967296)
            else 'user' || (payload ->> 'from_id')
        end                                                                 as sender_id,
        payload ->> 'from'                                                  as sender_name,
        -- `date` is the exporting machine's local time with no offset; date_unixtime (exports since
        -- 2021) is the true instant. Very old exports only have `date`: the importer then required --tz.
        case
            when nullif(payload ->> 'date_unixtime', '') is not null then safe_epoch(payload ->> 'date_unixtime')
            else safe_local_time(tz, payload ->> 'date')
        end                                                                 as sent_at,
        payload ->> 'reply_to_message_id'                                   as reply_to_message_id,
        -- exports have no threads beyond reply chains
        null::varchar                                                       as thread_id,
        -- forwarded_from can be null (hidden sender) and still mark a forward: test the key, not the value
        json_exists(payload, '$.forwarded_from')                            as is_forward,
        -- text is a plain string, or a list of strings and {type, text} entity objects (links, bold, mentions)
        nullif(case
            when json_type(payload, '$.text') = 'ARRAY' then array_to_string(
                list_transform(json_extract(payload, '$.text[*]'), lambda e: coalesce(e ->> 'text', e ->> '$')), '')
            else payload ->> 'text'
        end, '')                                                            as text,
        -- reactions exist only in exports made since late 2022: absent means unknown, not zero
        case
            when json_type(payload, '$.reactions') = 'ARRAY'
                 and counts_problem(json_extract(payload, '$.reactions[*].count')) is null
                then safe_count(coalesce(list_sum(safe_counts(json_extract(payload, '$.reactions[*].count'))), 0))
        end                                                                 as reaction_count,
        -- the export has no reply counts
        null::bigint                                                        as reply_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a message without a readable time cannot be placed
        -- and is left out; unreadable reaction counts make reaction_count NULL
        rejects('message ' || (payload ->> 'id'), [
            case when sent_at is null and nullif(payload ->> 'date_unixtime', '') is not null
                     then reject('date_unixtime', payload ->> 'date_unixtime',
                                 epoch_problem(payload ->> 'date_unixtime'), true)
                 when sent_at is null
                     then reject('date', payload ->> 'date', coalesce(missing_problem(payload ->> 'date'),
                                 'no date_unixtime, and not a local time in the zone given with --tz'), true) end,
            case when json_type(payload, '$.reactions') = 'ARRAY'
                     then reject('reactions[].count', json_extract(payload, '$.reactions[*].count'),
                                 counts_problem(json_extract(payload, '$.reactions[*].count')), false) end])
                                                                            as rejects
    from landed
),

final as (
    select
        *,
        executive_id = '*' or sender_id = executive_id                      as is_executive
    from typed
)

select * from final
