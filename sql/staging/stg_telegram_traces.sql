-- one row per trace of the executive in a Telegram Desktop export other than a message they sent, per landing,
-- in the stg_activity_events contract: edits of their messages (edited_unixtime), their reactions to any message
-- (reactions[] as tdesktop's export_output_json.cpp writes them: {type, count, emoji or document_id, recent:
-- [{from, from_id, date}]}; `recent` only in newer exports, and it lists the recent reactors Telegram keeps,
-- not necessarily every one: a floor), pins (service message pin_message) and their other service actions
-- (title and photo changes, invites, calls, ...; `action` in detail)
--
-- Times. date_unixtime and edited_unixtime are instants; `date` and `edited` are the exporting machine's local
-- time without offset (old exports: read in the --tz zone kept in record_key). A reaction's `date` is local time
-- too, with no unixtime beside it: it is read with the offset its message's own date shows (date against
-- date_unixtime), which is an hour off when a daylight-saving change fell between the message and the reaction.
-- Telegram's servers mark a message edited when it gets its first reaction (tdesktop issue 30647: "This is how
-- server side works"), and a reaction after a real edit overwrites the edit time: an edit of a message carrying
-- reactions is not used. Exports made before reactions were exported cannot show this.
with landed as (
    -- the --tz zone kept in record_key, only when DuckDB knows it (an unknown zone would raise: rejects.py)
    select record_id, source, is_simulated, record_key::json as k, payload, zones.name as tz
    from raw_telegram_messages
    left join pg_timezone_names() as zones on zones.name = (record_key::json ->> 'tz')
),

messages as (
    select
        record_id, source, is_simulated, payload,
        k ->> 'chat_id'                                                     as chat_id,
        k ->> 'executive_id'                                                as executive_id,
        tz,
        payload ->> 'type'                                                  as type,
        (k ->> 'chat_id') || '/' || (payload ->> 'id')                      as chat_message_id,
        -- at most 11 digits (before the year 5000): a longer number is no time, and reads as NULL, not an error
        case when regexp_full_match(payload ->> 'date_unixtime', '[0-9]{1,11}')
            then safe_epoch(payload ->> 'date_unixtime')
            else safe_local_time(tz, payload ->> 'date')
        end                                                                 as sent_at,
        try_cast(payload ->> 'date' as timestamp)                           as local_at
    from landed
),

own as (
    select distinct record_id, chat_id || '/' || message_id as chat_message_id, is_executive
    from stg_telegram_messages
),

edits as (
    select
        m.*,
        'edit'                                                              as kind,
        case when regexp_full_match(payload ->> 'edited_unixtime', '[0-9]{1,11}')
            then safe_epoch(payload ->> 'edited_unixtime')
            else safe_local_time(tz, payload ->> 'edited')
        end                                                                 as occurred_at,
        m.chat_message_id                                                   as post_id,
        null::varchar                                                       as target_id,
        null::varchar                                                       as detail,
        case when json_exists(payload, '$.edited_unixtime') then 'edited_unixtime' else 'edited' end as time_field,
        coalesce(payload ->> 'edited_unixtime', payload ->> 'edited')       as time_value,
        coalesce(json_array_length(payload -> 'reactions'), 0) > 0          as has_reactions
    from messages m
    join own using (record_id)
    where own.is_executive and (json_exists(payload, '$.edited_unixtime') or json_exists(payload, '$.edited'))
),

recent as (
    select m.*, unnest(json_extract(payload, '$.reactions[*]')) as r
    from messages m
    where m.type = 'message' and json_type(payload, '$.reactions') = 'ARRAY'
),

reactions as (
    select
        recent.* exclude (r, x),
        'reaction'                                                          as kind,
        case when tz is not null then safe_local_time(tz, x ->> 'date')
             else safe_time(sent_at + (try_cast(x ->> 'date' as timestamp) - local_at))
        end                                                                 as occurred_at,
        case when own.is_executive then recent.chat_message_id end          as post_id,
        recent.chat_message_id                                              as target_id,
        coalesce(r ->> 'emoji', 'custom_emoji:' || (r ->> 'document_id'), r ->> 'type') as detail,
        'reactions[].recent[].date'                                         as time_field,
        x ->> 'date'                                                        as time_value,
        false                                                               as has_reactions
    from (select recent.*, unnest(json_extract(r, '$.recent[*]')) as x from recent
          where json_type(r, '$.recent') = 'ARRAY') as recent
    left join own using (record_id)
    where (x ->> 'from_id') = executive_id or (executive_id = '*' and (x ->> 'from_id') = 'channel' || chat_id)
),

services as (
    select
        m.*,
        -- actors as exports since 2021 write them; old exports wrote one integer with the peer type in its high
        -- bits (telegram.sender_id has the rule)
        case
            when not regexp_full_match(payload ->> 'actor_id', '[0-9]{1,30}') then payload ->> 'actor_id'
            when try_cast(payload ->> 'actor_id' as hugeint) >= 8589934592
                then 'channel' || (try_cast(payload ->> 'actor_id' as hugeint) - 8589934592)
            when try_cast(payload ->> 'actor_id' as hugeint) >= 4294967296
                then 'chat' || (try_cast(payload ->> 'actor_id' as hugeint) - 4294967296)
            else 'user' || (payload ->> 'actor_id')
        end                                                                 as actor
    from messages m
    where m.type = 'service'
),

actions as (
    select
        s.* exclude (actor),
        case when payload ->> 'action' = 'pin_message' then 'pin' else 'service' end as kind,
        s.sent_at                                                           as occurred_at,
        case when payload ->> 'action' = 'pin_message' and exists (
                select 1 from own o where o.is_executive and o.chat_message_id = s.chat_id || '/' || (payload ->> 'message_id'))
            then s.chat_id || '/' || (payload ->> 'message_id') end         as post_id,
        case when payload ->> 'action' = 'pin_message' then s.chat_id || '/' || (payload ->> 'message_id') end
                                                                            as target_id,
        payload ->> 'action'                                                as detail,
        case when json_exists(payload, '$.date_unixtime') then 'date_unixtime' else 'date' end as time_field,
        coalesce(payload ->> 'date_unixtime', payload ->> 'date')           as time_value,
        false                                                               as has_reactions
    from services s
    where (s.executive_id = '*' or s.actor = s.executive_id) and (payload ->> 'action') is not null
),

traces as (
    select * exclude (payload) from edits
    union all by name select * exclude (payload) from reactions
    union all by name select * exclude (payload) from actions
),

final as (
    select
        'telegram'                                                          as platform,
        -- a channel's every act is the channel's
        case when executive_id = '*' then 'channel' || chat_id else executive_id end as account_id,
        kind,
        occurred_at,
        source,
        post_id,
        target_id,
        is_simulated,
        detail,
        record_id,
        time_field,
        time_value,
        case
            when occurred_at is null then time_field || ' ' || coalesce(time_value, 'missing')
                || ' is not a time this export can place (an old export needs --tz)'
            when has_reactions then 'Telegram marks a message edited at its first reaction (tdesktop issue 30647): '
                || 'the edit time of a message with reactions may be a reader''s'
        end                                                                 as reject_reason
    from traces
)

-- a row with a reject_reason is listed in rejects, so the build records it in rejected_records and
-- stg_activity_events reads only the rows kept (postaudit/rejects.py)
select *, rejects(kind, [reject(time_field, time_value, reject_reason, true)]) as rejects
from final
