-- one row per observation of a Mastodon account (/api/v1/accounts/lookup on its home server)
with landed as (
    select record_id, source, retrieved_at, is_simulated, record_key, payload
    from raw_mastodon_accounts
),

final as (
    select
        -- the same domain-prefixed id as stg_mastodon_posts.account_id
        split_part(record_key, '@', 2) || ':' || (payload ->> 'id')         as account_id,
        'mastodon'                                                          as platform,
        record_key                                                          as handle,
        payload ->> 'display_name'                                          as display_name,
        safe_time(payload ->> 'created_at')                                 as account_created_at,
        safe_count(payload ->> 'followers_count')                           as followers_count,
        safe_count(payload ->> 'following_count')                           as following_count,
        safe_count(payload ->> 'statuses_count')                            as post_count,
        null::bigint                                                        as listed_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): an account without an id is nobody's; a count is NULL
        rejects('account ' || record_key, [
            required('id', payload ->> 'id'),
            time_reject('created_at', payload ->> 'created_at', false),
            count_reject('followers_count', payload ->> 'followers_count'),
            count_reject('following_count', payload ->> 'following_count'),
            count_reject('statuses_count', payload ->> 'statuses_count')])    as rejects
    from landed
)

select * from final
