-- fct_employment_outcome: one learner observed at one point (baseline, 6 or 12 months after an award).
with outcomes as (select * from stg_employment_outcomes),
final as (
    select
        observation_id,
        learner_id as learner_key,
        award_id,
        observation_date,
        months_after_award,
        is_baseline,
        status,
        status in ('employed', 'self_employed') as is_employed,
        monthly_earnings_eur,
        isco08,
        nace,
        job_related
    from outcomes
)
select * from final order by observation_id
