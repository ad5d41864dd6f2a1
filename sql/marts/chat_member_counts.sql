-- one row per chat and observation of its member count (platform, chat_id, observed_at, source), with the chat's
-- newest known name
with listings as (
    select * from stg_chat_listings
),

names as (
    select platform, chat_id, arg_max(chat_name, observed_at) as chat_name
    from listings
    where chat_name is not null
    group by platform, chat_id
),

final as (
    select
        l.platform,
        l.chat_id,
        n.chat_name,
        max(l.count_members)        as count_members,
        l.observed_at,
        l.source,
        bool_or(l.is_simulated)     as is_simulated
    from listings as l
    left join names as n using (platform, chat_id)
    where l.count_members is not null
    group by l.platform, l.chat_id, n.chat_name, l.observed_at, l.source
)

select * from final
