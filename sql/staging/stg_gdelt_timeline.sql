-- one row per (GDELT timeline response, time step): matching articles (value) and all articles GDELT monitored (norm)
with pages as (
    select record_id, retrieved_at, is_simulated, payload,
           payload ->> '$.request.query' as query
    from raw_gdelt_timeline
),

-- a timeline or series that is not a list holds no steps (the collector checks responses are objects only)
series as (
    select record_id, retrieved_at, is_simulated, query,
           unnest(coalesce(try_cast(coalesce(payload -> '$.response.timeline', '[]') as json[]), [])) as s
    from pages
),

steps as (
    select record_id, retrieved_at, is_simulated, query, s ->> 'series' as series,
           unnest(coalesce(try_cast(coalesce(s -> '$.data', '[]') as json[]), [])) as d
    from series
),

final as (
    select
        query,
        series,
        safe_time(try_strptime(d ->> 'date', '%Y%m%dT%H%M%SZ') at time zone 'UTC') as step_at,
        safe_count(d ->> 'value')       as count_articles,
        safe_count(d ->> 'norm')        as count_all_articles,
        retrieved_at,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a step without a readable date is left out; an
        -- unreadable count is NULL
        rejects('step ' || (d ->> 'date'), [
            reject('date', d ->> 'date', case when step_at is null
                   then coalesce(missing_problem(d ->> 'date'), 'not a time like 20250304T091500Z from 1970-2099') end,
                   true),
            count_reject('value', d ->> 'value'),
            count_reject('norm', d ->> 'norm')])                                 as rejects
    from steps
)

select * from final
