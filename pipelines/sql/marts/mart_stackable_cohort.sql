-- mart_stackable_cohort: one learner awarded a stackable credential, dated by the first such award,
-- and whether a qualification followed within 36 months (FLX-3).
with awards as (select * from mart_award where is_stackable),
events as (
    select learner_key, event_date
    from fct_pathway_event
    where event_type in ('stacked_into_qualification', 'qualification_obtained')
),
firsts as (
    select *
    from awards
    qualify row_number() over (partition by learner_key order by issue_date, award_id) = 1
),
progressed as (
    select distinct firsts.learner_key
    from firsts
    join events using (learner_key)
    where events.event_date >= firsts.issue_date
      and events.event_date <= firsts.issue_date + interval 36 month
),
final as (
    select
        firsts.learner_key,
        firsts.learner_record_key as record_key,  -- cell key method: the learner's key
        firsts.issue_date as first_stackable_date,
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
        firsts.age_band,
        firsts.issue_date <= getvariable('cutoff') - interval 36 month as eligible_36m,
        progressed.learner_key is not null as progressed_36m
    from firsts
    left join progressed using (learner_key)
)
select * from final order by learner_key
