-- dim_learner: one person, keyed by the pseudonymous learner_key (never a raw identifier).
-- A learner known only from awards (e.g. a digital badge) is included with unknown demographics.
with learners as (select * from stg_learners),
award_only as (
    select distinct learner_id from stg_awards
    where learner_id not in (select learner_id from learners)
),
unioned as (
    select learner_id, birth_year, sex, prior_education_isced, region_code, labour_status_before, true as in_register
    from learners
    union all
    select learner_id, null, null, null, null, null, false
    from award_only
),
final as (
    select
        learner_id as learner_key,
        birth_year,
        sex,
        prior_education_isced,
        case
            when prior_education_isced <= 2 then 'low'
            when prior_education_isced <= 4 then 'medium'
            when prior_education_isced is not null then 'high'
        end as prior_education_band,
        region_code,
        labour_status_before,
        in_register
    from unioned
)
select * from final order by learner_key
