-- one row per chat listing per landing: the chat's name and type and, where the source gives one, its member count
with landed as (
    select record_id, source, retrieved_at, is_simulated, record_key::json as k, payload
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
                then safe_count(json_array_length(payload, '$.members'))
            -- a t.me page's count, read from its "352 104 members, 4 120 online" line at import
            when source = 'telegram_page' then safe_count(payload ->> 'count_members')
        end                                                                 as count_members,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): an unreadable member count is NULL, not zero
        rejects('chat ' || (k ->> 'chat_id'), [
            count_reject('count_members', case when source = 'telegram_page' then payload ->> 'count_members' end)])
                                                                            as rejects
    from landed
),

final as (
    select * from typed
)

select * from final
