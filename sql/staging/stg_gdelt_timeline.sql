-- one row per (GDELT timeline response, time step): matching articles (value) and all articles GDELT monitored (norm)
with pages as (
    select record_id, retrieved_at, is_simulated, payload,
           payload ->> '$.request.query' as query
    from raw_gdelt_timeline
),

series as (
    select record_id, retrieved_at, is_simulated, query,
           unnest(cast(coalesce(payload -> '$.response.timeline', '[]') as json[])) as s
    from pages
),

steps as (
    select record_id, retrieved_at, is_simulated, query, s ->> 'series' as series,
           unnest(cast(coalesce(s -> '$.data', '[]') as json[])) as d
    from series
),

final as (
    select
        query,
        series,
        try_strptime(d ->> 'date', '%Y%m%dT%H%M%SZ')::timestamp at time zone 'UTC' as step_at,
        cast(d ->> 'value' as bigint)   as count_articles,
        cast(d ->> 'norm' as bigint)    as count_all_articles,
        retrieved_at,
        record_id,
        is_simulated
    from steps
)

select * from final
