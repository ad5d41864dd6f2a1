-- one row per press item as landed (every copy of a story is its own row), typed
with items as (
    select record_id, source, origin, retrieved_at, is_simulated, payload
    from raw_press_items
),

final as (
    select
        record_id                                   as article_id,
        payload ->> 'url'                           as url,
        payload ->> 'title'                         as title,
        try_cast(payload ->> 'published' as timestamptz) as published_at,
        payload ->> 'outlet'                        as outlet,
        payload ->> 'outlet_domain'                 as outlet_domain,
        payload ->> 'author'                        as author,
        payload ->> 'language'                      as declared_language,
        payload ->> 'html'                          as body_html,
        retrieved_at,
        source,
        origin,
        is_simulated
    from items
)

select * from final
