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
        safe_time(u ->> 'created_at')                           as account_created_at,
        safe_count(u -> 'public_metrics' ->> 'followers_count') as followers_count,
        safe_count(u -> 'public_metrics' ->> 'following_count') as following_count,
        safe_count(u -> 'public_metrics' ->> 'tweet_count')     as post_count,
        safe_count(u -> 'public_metrics' ->> 'listed_count')    as listed_count,
        retrieved_at                                            as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): an account without an id is nobody's observation;
        -- an unreadable count is NULL
        rejects('user ' || (u ->> 'id'), [
            required('data.id', u ->> 'id'),
            time_reject('data.created_at', u ->> 'created_at', false),
            count_reject('data.public_metrics.followers_count', u -> 'public_metrics' ->> 'followers_count'),
            count_reject('data.public_metrics.following_count', u -> 'public_metrics' ->> 'following_count'),
            count_reject('data.public_metrics.tweet_count', u -> 'public_metrics' ->> 'tweet_count'),
            count_reject('data.public_metrics.listed_count', u -> 'public_metrics' ->> 'listed_count')])
                                                                as rejects
    from lookups
)

select * from final
