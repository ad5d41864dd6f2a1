-- one row per (platform, account, UTC weekday, UTC hour) with the number of posts; local-time views shift this by the inferred offset
with posts as (
    select platform, account_id, created_at from posts
),

final as (
    select
        platform,
        account_id,
        isodow(created_at)  as weekday_utc,   -- 1 = Monday
        hour(created_at)    as hour_utc,
        count(*)            as count_posts
    from posts
    group by all
)

select * from final
