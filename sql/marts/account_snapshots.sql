-- one row per account per time its public counts were observed
with observations as (
    select * from stg_account_observations
),

final as (
    select distinct on (platform, account_id, observed_at)
        platform,
        account_id,
        handle,
        observed_at,
        followers_count,
        following_count,
        post_count,
        listed_count,
        source,
        is_simulated
    from observations
    order by platform, account_id, observed_at, source
)

select * from final
