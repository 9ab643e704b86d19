-- dim_learner: one person, keyed by the pseudonymous learner_key (never a raw identifier).
with learners as (select * from stg_learners),
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
        labour_status_before
    from learners
)
select * from final order by learner_key
