-- one row per executive's chat message per landing (Telegram, Slack, any source in the stg_chat_messages contract),
-- in the stg_posts contract
with messages as (
    select * from stg_chat_messages
    where is_executive
),

final as (
    select
        -- message ids are unique within a chat only (Telegram counts up per chat, Slack's ts per channel)
        chat_id || '/' || message_id                                        as post_id,
        platform,
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
        chat_id || '/' || thread_id                                         as conversation_id,
        null::varchar                                                       as in_reply_to_user_id,
        null::varchar                                                       as client_name,
        -- a message's reactions, summed over emoji: a chat's nearest thing to likes
        reaction_count                                                      as like_count,
        reply_count,
        -- exports have no view, forward or quote counts
        null::bigint                                                        as repost_count,
        null::bigint                                                        as quote_count,
        null::bigint                                                        as bookmark_count,
        null::bigint                                                        as impression_count,
        null::bigint                                                        as original_like_count,
        null::bigint                                                        as original_reply_count,
        null::bigint                                                        as original_repost_count,
        null::bigint                                                        as original_quote_count,
        sent_at                                                             as version_created_at,
        null::timestamptz                                                   as deleted_at,
        null::varchar                                                       as community_id,
        observed_at,
        source,
        record_id,
        is_simulated
    from messages
)

select * from final
