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
        to_timestamp(0) + to_microseconds(
            split_part(payload ->> 'ts', '.', 1)::bigint * 1000000
            + rpad(left(split_part(payload ->> 'ts', '.', 2), 6), 6, '0')::bigint)
                                                                            as sent_at,
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
            then coalesce((payload ->> 'reply_count')::bigint, 0) end       as reply_count,
        case
            when json_type(payload, '$.reactions') = 'ARRAY'
                then coalesce(list_sum(json_extract(payload, '$.reactions[*].count')::bigint[]), 0)::bigint
        end                                                                 as reaction_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated
    from landed
),

final as (
    select
        *,
        sender_id = executive_id                                            as is_executive
    from typed
)

select * from final
