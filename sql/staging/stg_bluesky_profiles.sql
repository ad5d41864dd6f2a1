-- one row per observation of a Bluesky profile (app.bsky.actor.getProfile), in the account observations contract
with landed as (
    select record_id, source, retrieved_at, is_simulated, payload
    from raw_bluesky_profiles
),

final as (
    select
        payload ->> 'did'                                   as account_id,
        'bluesky'                                           as platform,
        payload ->> 'handle'                                as handle,
        payload ->> 'displayName'                           as display_name,
        try_cast(payload ->> 'createdAt' as timestamptz)    as account_created_at,
        (payload ->> 'followersCount')::bigint              as followers_count,
        (payload ->> 'followsCount')::bigint                as following_count,
        (payload ->> 'postsCount')::bigint                  as post_count,
        null::bigint                                        as listed_count,
        retrieved_at                                        as observed_at,
        source,
        record_id,
        is_simulated
    from landed
)

select * from final
