-- mart_learner_cohort: one learner, dated and sliced by the first award (ties broken by award id):
-- stacking within 36 months (FLX-1), multi-provider pathways (FLX-6), outcome coverage (OUT-5) and
-- the inclusion indicators.
with awards as (select * from mart_award),
learners as (select * from dim_learner),
regions as (select region_code, country_code from dim_region),
reference as (select * from ref_low_qualified_share),
observed as (select distinct learner_key from fct_employment_outcome where not is_baseline),
ranked as (
    select
        *,
        row_number() over (partition by learner_key order by issue_date, award_id) as award_rank
    from awards
),
per_learner as (
    select learner_key, count(*) as n_awards, count(distinct provider_id) as n_providers
    from awards
    group by learner_key
),
firsts as (select * from ranked where award_rank = 1),
seconds as (select learner_key, issue_date as second_award_date from ranked where award_rank = 2),
final as (
    select
        firsts.learner_key,
        firsts.learner_record_key as record_key,  -- cell key method: the learner's key
        firsts.issue_date as first_award_date,
        seconds.second_award_date,
        firsts.year,
        firsts.country_code,
        firsts.region_code,
        firsts.provider_type,
        firsts.provider_id,
        firsts.isced_f_broad,
        firsts.eqf_level,
        firsts.format,
        firsts.participation_form,
        firsts.purpose,
        firsts.sex,
        firsts.age,
        firsts.age_band,
        learners.prior_education_isced,
        learners.labour_status_before,
        regions.country_code as residence_country_code,
        reference.share_isced_0_2 as reference_low_qualified_share,
        per_learner.n_awards,
        per_learner.n_providers,
        observed.learner_key is not null as has_outcome,
        firsts.issue_date <= getvariable('cutoff') - interval 36 month as eligible_36m,
        coalesce(seconds.second_award_date <= firsts.issue_date + interval 36 month, false) as stacked_36m
    from firsts
    join per_learner using (learner_key)
    left join seconds using (learner_key)
    left join learners using (learner_key)
    left join regions on regions.region_code = learners.region_code
    left join reference on reference.country_code = regions.country_code
    left join observed using (learner_key)
)
select * from final order by learner_key
