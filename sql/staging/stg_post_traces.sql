-- one row per trace a post leaves besides being written, per observation, in the stg_activity_events contract:
-- each later version of an edited post at that version's own time (an edit), and a deletion at deleted_at, from
-- every post source (X API and twarc2 edit chains, the X archive's edit_info chains and deleted-tweets.js,
-- Mastodon's edited_at, which names the latest edit only)
--
-- The post itself stays a post: its first version is not a trace. No aggregation here, so a filter on record_id
-- (what an import just landed) reaches the raw tables.
with observed as (
    select platform, account_id, post_id, created_at, version_created_at, deleted_at, source, record_id,
           is_simulated
    from stg_posts
),

edits as (
    select
        platform,
        account_id,
        'edit'                                                              as kind,
        version_created_at                                                  as occurred_at,
        source,
        post_id,
        null::varchar                                                       as target_id,
        is_simulated,
        null::varchar                                                       as detail,
        record_id,
        'version_created_at'                                                as time_field,
        version_created_at::varchar                                         as time_value,
        null::varchar                                                       as reject_reason
    from observed
    -- a later version has its own, later time (X: the version id's snowflake; Mastodon: edited_at)
    where version_created_at > created_at
),

deletions as (
    select
        platform,
        account_id,
        'delete'                                                            as kind,
        deleted_at                                                          as occurred_at,
        source,
        post_id,
        null::varchar                                                       as target_id,
        is_simulated,
        null::varchar                                                       as detail,
        record_id,
        'deleted_at'                                                        as time_field,
        deleted_at::varchar                                                 as time_value,
        null::varchar                                                       as reject_reason
    from observed
    where deleted_at is not null
),

final as (
    select * from edits
    union all
    select * from deletions
)

-- a row with a reject_reason is listed in rejects, so the build records it in rejected_records and
-- stg_activity_events reads only the rows kept (postaudit/rejects.py)
select *, rejects(kind, [reject(time_field, time_value, reject_reason, true)]) as rejects
from final
