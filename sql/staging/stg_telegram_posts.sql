-- one row per executive's Telegram message per landing, in the stg_posts contract
with messages as (
    select * from stg_telegram_messages
    where is_executive
),

final as (
    select
        -- message ids count up per chat, so the chat id makes them unique
        chat_id || '/' || message_id                                        as post_id,
        'telegram'                                                          as platform,
        sender_id                                                           as account_id,
        sent_at                                                             as created_at,
        case
            when is_forward then 'repost'
            when reply_to_message_id is not null then 'reply'
            else 'original'
        end                                                                 as kind,
        case when reply_to_message_id is not null and not is_forward
            then chat_id || '/' || reply_to_message_id end                  as referenced_post_id,
        text,
        null::varchar                                                       as lang,
        null::varchar                                                       as conversation_id,
        null::varchar                                                       as in_reply_to_user_id,
        null::varchar                                                       as client_name,
        reaction_count                                                      as like_count,
        -- the export has no view, forward or comment counts
        null::bigint                                                        as reply_count,
        null::bigint                                                        as repost_count,
        null::bigint                                                        as quote_count,
        null::bigint                                                        as bookmark_count,
        null::bigint                                                        as impression_count,
        observed_at,
        source,
        record_id,
        is_simulated
    from messages
)

select * from final
