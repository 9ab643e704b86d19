-- mart_learner_cohort: one learner, dated by the first award, for stacking within 36 months (FLX-1).
-- Slicing attributes are those of the first award (ties on the date broken by award id).
with awards as (select * from mart_award),
ranked as (
    select
        *,
        row_number() over (partition by learner_key order by issue_date, award_id) as award_rank
    from awards
),
firsts as (select * from ranked where award_rank = 1),
seconds as (select learner_key, issue_date as second_award_date from ranked where award_rank = 2),
final as (
    select
        firsts.learner_key,
        firsts.issue_date as first_award_date,
        seconds.second_award_date,
        firsts.year,
        firsts.country_code,
        firsts.region_code,
        firsts.provider_type,
        firsts.issue_date <= getvariable('cutoff') - interval 36 month as eligible_36m,
        coalesce(seconds.second_award_date <= firsts.issue_date + interval 36 month, false) as stacked_36m
    from firsts
    left join seconds using (learner_key)
)
select * from final order by learner_key
