-- one row per public trace of activity by an audited account other than its own posts: likes, reposts not shown
-- as posts, edits, deletions, ad impressions and engagements, reactions, pins, other service actions, thread
-- replies known only from their thread; with when the account acted (UTC) and where it was seen
--
-- Read from stg_activity_events, the union of every source's trace view (the source registry lists them). A
-- trace with a reject_reason (no time, a time that cannot be placed, an edit time Telegram may have set for a
-- reaction) is left out; the importers record those in rejected_records. The same act seen twice (an archive
-- imported again, a channel exported by two app versions, an impression listed in both ad files) is one row.
-- detail (after the contract's columns) is what kind of act it was within its kind: an ad engagement's
-- engagementType, a reaction's emoji, a service message's action, where an ad was shown.
with traces as (
    select * from stg_activity_events
    where reject_reason is null and occurred_at is not null and account_id is not null
),

final as (
    select
        platform,
        account_id,
        kind,
        occurred_at,
        min(source)                                                         as source,
        post_id,
        target_id,
        bool_or(is_simulated)                                               as is_simulated,
        detail
    from traces
    group by platform, account_id, kind, occurred_at, post_id, target_id, detail
)

select * from final
order by platform, account_id, occurred_at, kind
