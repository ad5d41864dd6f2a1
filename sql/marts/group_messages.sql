-- one row per message in a group chat (platform, chat_id, message_id), from every sender
-- contract read by the group metrics: platform, chat_id, message_id, sender_id, sent_at,
-- reply_to_message_id, is_executive (keep these names and meanings); text, sender_name and chat_name where known
with messages as (
    select platform, chat_id, message_id, sender_id, sender_name, sent_at, reply_to_message_id, text, is_executive,
           observed_at
    from stg_chat_messages
),

chat_names as (
    select platform, chat_id, arg_max(chat_name, observed_at) as chat_name
    from stg_chat_listings
    where chat_name is not null
    group by platform, chat_id
),

grouped as (
    select
        platform,
        chat_id,
        message_id,
        arg_max(sender_id, observed_at)             as sender_id,
        arg_max(sender_name, observed_at)           as sender_name,
        min(sent_at)                                as sent_at,
        arg_max(reply_to_message_id, observed_at)   as reply_to_message_id,
        arg_max(text, observed_at)                  as text,
        -- imports naming different executives for one chat mark each of them
        bool_or(is_executive)                       as is_executive
    from messages
    group by platform, chat_id, message_id
),

final as (
    select g.platform, g.chat_id, g.message_id, g.sender_id, g.sent_at, g.reply_to_message_id, g.is_executive,
           g.sender_name, g.text, n.chat_name
    from grouped as g
    left join chat_names as n using (platform, chat_id)
)

select * from final
