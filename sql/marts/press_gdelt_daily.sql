-- one row per (GDELT query, UTC day): matching articles and all articles GDELT monitored that day, from timelinevolraw
with steps as (
    -- overlapping timeline calls repeat steps: keep the newest retrieval of each step
    select query, step_at, count_articles, count_all_articles, is_simulated
    from stg_gdelt_timeline
    where step_at is not null
    qualify row_number() over (partition by query, step_at order by retrieved_at desc) = 1
),

final as (
    select
        query,
        step_at::date                                   as day,
        sum(count_articles)                             as count_articles,
        sum(count_all_articles)                         as count_all_articles,
        sum(count_articles) / nullif(sum(count_all_articles), 0) as share_of_all,
        bool_or(is_simulated)                           as is_simulated
    from steps
    group by all
    order by query, day
)

select * from final
