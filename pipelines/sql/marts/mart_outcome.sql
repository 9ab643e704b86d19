-- mart_outcome: one employment observation after an award, sliced by that award, with the same
-- learner's latest baseline (labour-market outcomes OUT-1 to OUT-4, INC-3o, INC-4b).
with outcomes as (select * from fct_employment_outcome),
awards as (select * from mart_award),
learners as (select * from dim_learner),
baselines as (
    select learner_key, is_employed as baseline_employed
    from outcomes
    where is_baseline
    qualify row_number() over (partition by learner_key order by observation_date desc, observation_id desc) = 1
),
final as (
    select
        outcomes.observation_id,
        outcomes.learner_key,
        record_key(concat_ws('|', outcomes.learner_key, 'outcome', outcomes.observation_id)) as record_key,  -- cell key method
        outcomes.award_id,
        outcomes.months_after_award,
        outcomes.is_employed,
        outcomes.monthly_earnings_eur,
        outcomes.job_related,
        baselines.baseline_employed,
        learners.labour_status_before = 'unemployed' as previously_unemployed,
        awards.year,
        awards.country_code,
        awards.region_code,
        awards.provider_type,
        awards.provider_id,
        awards.isced_f_broad,
        awards.eqf_level,
        awards.format,
        awards.participation_form,
        awards.purpose,
        awards.sex,
        awards.age_band
    from outcomes
    join awards using (award_id)
    left join baselines on baselines.learner_key = outcomes.learner_key
    left join learners on learners.learner_key = outcomes.learner_key
    where not outcomes.is_baseline
)
select * from final order by observation_id
