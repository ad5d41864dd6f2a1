-- one row per trace of the executive in a Slack workspace export other than a message they sent, per landing, in
-- the stg_activity_events contract: edits (edited.ts), thread replies a parent lists (replies[].user and ts)
-- whose own message is not in the export, pins (pinned_item), channel events they caused (joins, topic and
-- purpose changes, ...; subtype in detail), and their reactions, which are kept only as rejected rows: an export
-- lists who reacted (reactions[].users), never when
--
-- A thread reply that is in the export is already a post (stg_chat_posts); the parent's list reaches replies the
-- export left out (a date range that ends before the thread does).
with landed as (
    select record_id, source, is_simulated, record_key::json as k, payload,
           k ->> 'channel_id' as channel_id, k ->> 'executive_id' as executive_id
    from raw_slack_messages
),

edits as (
    select landed.*, 'edit' as kind, payload -> 'edited' ->> 'ts' as ts_text, 'edited.ts' as time_field,
           channel_id || '/' || (payload ->> 'ts') as post_id, null::varchar as target_id, null::varchar as detail
    from landed
    where (payload -> 'edited' ->> 'user') = executive_id
),

listed_replies as (
    select landed.*, unnest(json_extract(payload, '$.replies[*]')) as reply
    from landed
    where json_type(payload, '$.replies') = 'ARRAY'
),

replies as (
    select listed_replies.* exclude (reply), 'thread_reply' as kind, reply ->> 'ts' as ts_text,
           'replies[].ts' as time_field, channel_id || '/' || (reply ->> 'ts') as post_id,
           channel_id || '/' || (payload ->> 'ts') as target_id, null::varchar as detail
    from listed_replies
    where (reply ->> 'user') = executive_id
      and not exists (select 1 from raw_slack_messages m
                      where (m.record_key::json ->> 'channel_id') = listed_replies.channel_id
                        and (m.payload ->> 'ts') = (listed_replies.reply ->> 'ts'))
),

events as (
    select landed.*,
           case when payload ->> 'subtype' = 'pinned_item' then 'pin' else 'service' end as kind,
           payload ->> 'ts' as ts_text, 'ts' as time_field, null::varchar as post_id,
           case when payload ->> 'subtype' = 'pinned_item'
               then channel_id || '/' || coalesce(payload -> 'item' ->> 'ts', payload -> 'item' -> 'message' ->> 'ts')
           end as target_id,
           payload ->> 'subtype' as detail
    from landed
    where (payload ->> 'user') = executive_id
      and (payload ->> 'subtype') in ('pinned_item', 'unpinned_item', 'channel_join', 'channel_leave', 'channel_topic',
                                      'channel_purpose', 'channel_name', 'channel_archive', 'channel_unarchive',
                                      'group_join', 'group_leave', 'group_topic', 'group_purpose', 'group_name',
                                      'bot_add', 'bot_remove', 'reminder_add')
),

reacted as (
    select landed.*, unnest(json_extract(payload, '$.reactions[*]')) as r
    from landed
    where json_type(payload, '$.reactions') = 'ARRAY'
),

reactions as (
    select reacted.* exclude (r), 'reaction' as kind, null::varchar as ts_text, 'reactions[].users' as time_field,
           case when (payload ->> 'user') = executive_id then channel_id || '/' || (payload ->> 'ts') end as post_id,
           channel_id || '/' || (payload ->> 'ts') as target_id, r ->> 'name' as detail
    from reacted
    where list_contains(json_extract_string(r, '$.users[*]'), executive_id)
),

traces as (
    select * from edits
    union all by name select * from replies
    union all by name select * from events
    union all by name select * from reactions
),

final as (
    select
        'slack'                                                             as platform,
        executive_id                                                        as account_id,
        kind,
        -- ts is epoch seconds with 6 decimals, kept exact from its text (as stg_slack_messages does); a time
        -- outside 1970-2099 reads as no time rather than an overflow (rejects.py)
        safe_epoch_micros(ts_text)                                          as occurred_at,
        source,
        post_id,
        target_id,
        is_simulated,
        detail,
        record_id,
        time_field,
        ts_text                                                             as time_value,
        case
            when kind = 'reaction' then 'a Slack export lists who reacted, never when'
            when safe_epoch_micros(ts_text) is null
                then time_field || ' ' || coalesce(ts_text, 'missing')
                    || ' is not epoch seconds in 1970-2099 like 1700000000.123456'
        end                                                                 as reject_reason
    from traces
)

-- a row with a reject_reason is listed in rejects, so the build records it in rejected_records and
-- stg_activity_events reads only the rows kept (postaudit/rejects.py)
select *, rejects(kind, [reject(time_field, time_value, reject_reason, true)]) as rejects
from final
