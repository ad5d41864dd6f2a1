-- one row per executive's Slack message per landing, in the stg_posts contract
with messages as (
    select * from stg_slack_messages
    where is_executive
),

final as (
    select
        -- ts is unique within a channel only
        chat_id || '/' || message_id                                        as post_id,
        'slack'                                                             as platform,
        sender_id                                                           as account_id,
        sent_at                                                             as created_at,
        case when reply_to_message_id is not null then 'reply' else 'original' end as kind,
        case when reply_to_message_id is not null
            then chat_id || '/' || reply_to_message_id end                  as referenced_post_id,
        text,
        null::varchar                                                       as lang,
        chat_id || '/' || coalesce(reply_to_message_id, message_id)         as conversation_id,
        null::varchar                                                       as in_reply_to_user_id,
        null::varchar                                                       as client_name,
        -- a message's reactions, summed over emoji: Slack's nearest thing to likes
        reaction_count                                                      as like_count,
        -- reply_count is set on thread parents only; absent on other messages means no thread was started
        case when reply_to_message_id is null then coalesce(reply_count, 0) end as reply_count,
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
