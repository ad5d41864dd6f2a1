-- one row per SIMULATED like or ad impression of the simulated executive per landing (the simulator's
-- traces.jsonl, raw_sim_traces), in the stg_activity_events contract
--
-- The simulator (simulator/traces.py) draws each trace inside one of its sessions, so a trace is time on the
-- platform by construction. Everything here is simulated: is_simulated is true whatever the payload says, and
-- the source is 'simulated'. Values are read so that a bad one gives NULL and a reject_reason, never an error.
with landed as (
    select
        record_id,
        payload ->> 'platform'                                              as platform,
        payload ->> 'account_id'                                            as account_id,
        payload ->> 'kind'                                                  as kind,
        payload ->> 'occurred_at'                                           as time_value,
        safe_time(payload ->> 'occurred_at')                                as occurred_at,
        payload ->> 'target_id'                                             as target_id
    from raw_sim_traces
),

final as (
    select
        platform,
        account_id,
        kind,
        occurred_at,
        'simulated'                                                         as source,
        null::varchar                                                       as post_id,
        target_id,
        true                                                                as is_simulated,
        null::varchar                                                       as detail,
        record_id,
        'occurred_at'                                                       as time_field,
        time_value,
        case
            when occurred_at is null then 'occurred_at missing or not an ISO 8601 time'
            when kind not in ('like', 'ad_impression') then 'kind ' || coalesce(kind, 'missing')
                || ' is not a trace the simulator draws (like, ad_impression)'
            when platform is null or account_id is null then 'no platform or account_id'
        end                                                                 as reject_reason
    from landed
)

-- a row with a reject_reason is listed in rejects, so the build records it in rejected_records and
-- stg_activity_events reads only the rows kept (postaudit/rejects.py)
select *, rejects(kind, [reject(time_field, time_value, reject_reason, true)]) as rejects
from final
