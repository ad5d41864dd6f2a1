-- one row per person's message in a Slack channel per landing (joins, bot posts and other events skipped), in the
-- stg_chat_messages contract
with landed as (
    select record_id, source, retrieved_at, is_simulated, record_key::json as k, payload
    from raw_slack_messages
    where coalesce(payload ->> 'user', payload -> 'comment' ->> 'user') is not null
      -- no subtype is a plain message; these subtypes are still a person writing (file_comment: a comment on a
      -- file, in exports before 2019, its author in comment.user). Others (channel_join, channel_leave,
      -- bot_message, channel_topic, pinned_item, tombstone, ...) are events, not messages.
      and coalesce(payload ->> 'subtype', '') in ('', 'thread_broadcast', 'me_message', 'file_share', 'file_comment')
      and (payload ->> 'bot_id') is null
),

typed as (
    select
        'slack'                                                             as platform,
        k ->> 'channel_id'                                                  as chat_id,
        k ->> 'executive_id'                                                as executive_id,
        -- ts is the message id: kept as text, exactly as Slack wrote it
        payload ->> 'ts'                                                    as message_id,
        coalesce(payload ->> 'user', payload -> 'comment' ->> 'user')       as sender_id,
        coalesce(payload -> 'user_profile' ->> 'real_name', payload -> 'user_profile' ->> 'name')
                                                                            as sender_name,
        -- ts is epoch seconds with 6 decimals; a double would round the microseconds, so build them from text
        safe_epoch_micros(payload ->> 'ts')                                 as sent_at,
        -- a thread's parent has thread_ts = ts; a reply points at its parent's ts
        case when (payload ->> 'thread_ts') <> (payload ->> 'ts') then payload ->> 'thread_ts' end
                                                                            as reply_to_message_id,
        -- a thread is named by its parent's ts; a message outside any thread starts its own
        coalesce(payload ->> 'thread_ts', payload ->> 'ts')                 as thread_id,
        false                                                               as is_forward,
        nullif(payload ->> 'text', '')                                      as text,
        -- reply_count is set on thread parents only; absent on another top-level message means no thread was
        -- started (0); a reply's own count is unknown
        case when coalesce(payload ->> 'thread_ts', payload ->> 'ts') = (payload ->> 'ts')
                  and count_problem(payload ->> 'reply_count') is null
            then coalesce(safe_count(payload ->> 'reply_count'), 0) end     as reply_count,
        case
            when json_type(payload, '$.reactions') = 'ARRAY'
                 and counts_problem(json_extract(payload, '$.reactions[*].count')) is null
                then safe_count(coalesce(list_sum(safe_counts(json_extract(payload, '$.reactions[*].count'))), 0))
        end                                                                 as reaction_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a message whose ts is no time cannot be placed and is
        -- left out; an unreadable reply or reaction count is NULL
        rejects('message ' || (payload ->> 'ts'), [
            reject('user', payload ->> 'user', case when json_type(payload, '$.user') <> 'VARCHAR'
                   then 'not a Slack user id' end, true),
            reject('ts', payload ->> 'ts', case when sent_at is null
                   then 'not Unix seconds with decimals in ASCII digits from 1970-2099, like 1700000000.123456' end,
                   true),
            count_reject('reply_count', payload ->> 'reply_count'),
            case when json_type(payload, '$.reactions') = 'ARRAY'
                     then reject('reactions[].count', json_extract(payload, '$.reactions[*].count'),
                                 counts_problem(json_extract(payload, '$.reactions[*].count')), false) end])
                                                                            as rejects
    from landed
),

final as (
    select
        *,
        sender_id = executive_id                                            as is_executive
    from typed
)

select * from final
