-- one row per message in a group chat (platform, chat_id, message_id), from every sender
-- contract read by the group metrics: platform, chat_id, message_id, sender_id, sent_at,
-- reply_to_message_id, is_executive (keep these names and meanings)
with messages as (
    select platform, chat_id, message_id, sender_id, sent_at, reply_to_message_id, is_executive, observed_at
    from stg_chat_messages
),

final as (
    select
        platform,
        chat_id,
        message_id,
        arg_max(sender_id, observed_at)             as sender_id,
        min(sent_at)                                as sent_at,
        arg_max(reply_to_message_id, observed_at)   as reply_to_message_id,
        -- imports naming different executives for one chat mark each of them
        bool_or(is_executive)                       as is_executive
    from messages
    group by platform, chat_id, message_id
)

select * from final
