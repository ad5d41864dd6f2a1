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
        try_cast(payload ->> 'created_at' as timestamptz)                   as account_created_at,
        (payload ->> 'followers_count')::bigint                             as followers_count,
        (payload ->> 'following_count')::bigint                             as following_count,
        (payload ->> 'statuses_count')::bigint                              as post_count,
        null::bigint                                                        as listed_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated
    from landed
)

select * from final
