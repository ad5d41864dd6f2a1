-- one row per chat listing per landing: the chat's name and type and, where the source gives one, its member count
with landed as (
    select source, retrieved_at, is_simulated, record_key::json as k, payload
    from raw_chat_listings
),

typed as (
    select
        k ->> 'platform'                                                    as platform,
        k ->> 'chat_id'                                                     as chat_id,
        coalesce(payload ->> 'name', payload ->> 'title')                   as chat_name,
        coalesce(payload ->> 'type', case when source = 'slack_export' then 'channel' end)
                                                                            as chat_type,
        case
            -- Slack lists each conversation's members by id at export time
            when source = 'slack_export' and json_type(payload, '$.members') = 'ARRAY'
                then json_array_length(payload, '$.members')::bigint
            -- a t.me page's count, read from its "352 104 members, 4 120 online" line at import
            when source = 'telegram_page' then (payload ->> 'count_members')::bigint
        end                                                                 as count_members,
        retrieved_at                                                        as observed_at,
        source,
        is_simulated
    from landed
),

final as (
    select * from typed
)

select * from final
