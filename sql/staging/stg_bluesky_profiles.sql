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
        safe_time(payload ->> 'createdAt')                  as account_created_at,
        safe_count(payload ->> 'followersCount')            as followers_count,
        safe_count(payload ->> 'followsCount')              as following_count,
        safe_count(payload ->> 'postsCount')                as post_count,
        null::bigint                                        as listed_count,
        retrieved_at                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a profile without a DID is nobody's; a count is NULL
        rejects('profile ' || (payload ->> 'did'), [
            required('did', payload ->> 'did'),
            time_reject('createdAt', payload ->> 'createdAt', false),
            count_reject('followersCount', payload ->> 'followersCount'),
            count_reject('followsCount', payload ->> 'followsCount'),
            count_reject('postsCount', payload ->> 'postsCount')])      as rejects
    from landed
)

select * from final
