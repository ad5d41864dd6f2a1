-- one row per press item as landed, from any source (feed entry, GDELT record, article page): every copy of a
-- story is its own row and one URL may come from several sources; press/build.py merges them per URL
with feed_items as (
    select
        record_id                                   as item_id,
        'feed_entry'                                as item_kind,
        payload ->> 'url'                           as url,
        payload ->> 'title'                         as title,
        safe_time(payload ->> 'published')          as published_at,
        cast(null as timestamptz)                   as seen_at,
        payload ->> 'outlet'                        as outlet,
        payload ->> 'outlet_domain'                 as outlet_domain,
        payload ->> 'author'                        as author,
        payload ->> 'language'                      as declared_language,
        payload ->> 'html'                          as body_html,
        cast(null as varchar)                       as body_text,
        cast(null as varchar[])                     as post_urls,   -- found in body_html by the build
        retrieved_at, source, origin, record_id, is_simulated,
        -- what could not be read (postaudit/rejects.py) is NULL: an entry without a date is still an item
        rejects('entry ' || (payload ->> 'url'), [time_reject('published', payload ->> 'published', false)])
                                                    as rejects
    from raw_press_items
),

gdelt_items as (
    select
        item_id,
        'gdelt'                                     as item_kind,
        url,
        title,
        cast(null as timestamptz)                   as published_at,
        seen_at,
        cast(null as varchar)                       as outlet,
        outlet_domain,
        cast(null as varchar)                       as author,
        -- GDELT names languages in English ("German"); the build maps them to ISO codes
        language_name                               as declared_language,
        cast(null as varchar)                       as body_html,
        cast(null as varchar)                       as body_text,
        cast(null as varchar[])                     as post_urls,
        retrieved_at, source, origin, record_id, is_simulated
    from stg_gdelt_articles
),

page_items as (
    select
        item_id,
        'page'                                      as item_kind,
        url,
        title,
        published_at,
        cast(null as timestamptz)                   as seen_at,
        outlet,
        cast(null as varchar)                       as outlet_domain,
        author,
        declared_language,
        cast(null as varchar)                       as body_html,
        body_text,
        post_urls,
        retrieved_at, source, origin, record_id, is_simulated
    from stg_press_pages
),

final as (
    select * from feed_items
    union all by name select * from gdelt_items
    union all by name select * from page_items
)

select * from final
