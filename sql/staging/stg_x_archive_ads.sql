-- one row per promoted post shown to (ad_impression) or engaged with by (ad_engagement) the owner of an imported
-- official X archive, per landing, in the stg_activity_events contract
--
-- ad-impressions.js holds {"ad": {"adsUserData": {"adImpressions": {"impressions": [...]}}}} objects, each
-- impression with impressionTime, displayLocation, promotedTweetInfo.tweetId (or promotedTrendInfo for a
-- promoted trend, or only advertiserInfo for a promoted account), deviceInfo and matchedTargetingCriteria.
-- ad-engagements.js holds adEngagements.engagements[], each {impressionAttributes: <an impression>,
-- engagementAttributes: [{engagementTime, engagementType}]}: the impression is a moment of reading too, and each
-- engagement its own moment (a click, a follow, a video quartile the player reports, X's ChargeableImpression
-- billing record); engagementType says which. Times are written "2023-06-05 17:00:52" with no zone and read as
-- UTC, as every other time in the archive is (+0000) and as the twitter-archive crate (rust-utilities,
-- src/structs/ad.rs) parses them. Shapes: X's own README.txt in the archive and real archives published on GitHub.
with landed as (
    select record_id, source, is_simulated, record_key as account_id, payload -> 'ad' -> 'adsUserData' as ads
    from raw_x_archive_ads
),

impressions as (
    select record_id, source, is_simulated, account_id, 'ad_impression' as kind,
           unnest(json_extract(ads, '$.adImpressions.impressions[*]')) as i, null::json as a
    from landed
    where json_type(ads, '$.adImpressions.impressions') = 'ARRAY'
),

engaged as (
    select record_id, source, is_simulated, account_id,
           unnest(json_extract(ads, '$.adEngagements.engagements[*]')) as e
    from landed
    where json_type(ads, '$.adEngagements.engagements') = 'ARRAY'
),

engaged_impressions as (
    select record_id, source, is_simulated, account_id, 'ad_impression' as kind, e -> 'impressionAttributes' as i,
           null::json as a
    from engaged
    where json_type(e, '$.impressionAttributes') = 'OBJECT'
),

engagements as (
    select record_id, source, is_simulated, account_id, 'ad_engagement' as kind, e -> 'impressionAttributes' as i,
           unnest(json_extract(e, '$.engagementAttributes[*]')) as a
    from engaged
    where json_type(e, '$.engagementAttributes') = 'ARRAY'
),

shown as (
    select * from impressions
    union all select * from engaged_impressions
    union all select * from engagements
),

typed as (
    select
        shown.*,
        case when kind = 'ad_impression' then 'impressionTime' else 'engagementTime' end as time_field,
        case when kind = 'ad_impression' then i ->> 'impressionTime' else a ->> 'engagementTime' end as time_value
    from shown
),

final as (
    select
        'x'                                                                 as platform,
        account_id,
        kind,
        try_strptime(time_value || ' +0000', '%Y-%m-%d %H:%M:%S %z')        as occurred_at,
        source,
        null::varchar                                                       as post_id,
        -- the promoted post; a promoted trend or account has no post
        coalesce(i -> 'promotedTweetInfo' ->> 'tweetId', 'trend:' || (i -> 'promotedTrendInfo' ->> 'trendId'),
                 i -> 'advertiserInfo' ->> 'screenName')                    as target_id,
        is_simulated,
        case when kind = 'ad_impression' then i ->> 'displayLocation' else a ->> 'engagementType' end as detail,
        record_id,
        time_field,
        time_value,
        case
            when try_strptime(time_value || ' +0000', '%Y-%m-%d %H:%M:%S %z') is null
                then time_field || ' missing or not like 2023-06-05 17:00:52'
            when account_id is null then 'the archive names no account (no manifest.js or account.js)'
        end                                                                 as reject_reason
    from typed
)

-- a row with a reject_reason is listed in rejects, so the build records it in rejected_records and
-- stg_activity_events reads only the rows kept (postaudit/rejects.py)
select *, rejects(kind, [reject(time_field, time_value, reject_reason, true)]) as rejects
from final
