-- one row per X API v2 user lookup (get_user) landed by `collect x`: an account observation per run
with lookups as (
    select record_id, source, retrieved_at, is_simulated, payload -> 'data' as u
    from raw_x_users
    where json_type(payload, '$.data') = 'OBJECT'
),

final as (
    select
        u ->> 'id'                                              as account_id,
        'x'                                                     as platform,
        u ->> 'username'                                        as handle,
        u ->> 'name'                                            as display_name,
        (u ->> 'created_at')::timestamptz                       as account_created_at,
        (u -> 'public_metrics' ->> 'followers_count')::bigint   as followers_count,
        (u -> 'public_metrics' ->> 'following_count')::bigint   as following_count,
        (u -> 'public_metrics' ->> 'tweet_count')::bigint       as post_count,
        (u -> 'public_metrics' ->> 'listed_count')::bigint      as listed_count,
        retrieved_at                                            as observed_at,
        source,
        record_id,
        is_simulated
    from lookups
)

select * from final
