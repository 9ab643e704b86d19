-- mart_programme: one credential specification (a "programme") with what an institution compares it
-- on (issue 7): awards, the learner funnel (enrolled -> completed -> awarded -> stacked -> employed),
-- and the numerator/denominator pair of each rate. Rates are left to pipelines/programmes/, which adds
-- peer statistics and disclosure control.
--   completion   = enrolled learners who completed / learners enrolled (pathway events of the credential)
--   stacking     = awards followed by the learner's next award within 36 months / awards issued at least
--                  36 months before the cut-off (censored; the next award in date, then award-id, order)
--   recognition  = recognised within 24 months / awards issued >= 24 months before the cut-off (TRU-5)
--   verification = verified by an employer or education institution within 12 months / awards issued
--                  >= 12 months before the cut-off (TRU-4)
--   employment   = employed 12-month observations / 12-month observations (OUT-1b); related = employed
--                  in a related job / employed 12-month observations (OUT-4)
with credentials as (select * from dim_credential),
providers as (select * from dim_provider),
awards as (select * from mart_award),
paths as (
    select
        award_id,
        credential_id,
        learner_key,
        record_key,
        learner_record_key,
        issue_date,
        lead(issue_date) over (partition by learner_key order by issue_date, award_id) as next_award_date
    from awards
),
award_counts as (
    select
        credential_id,
        count(*) as awards,
        count(distinct learner_key) as awarded_learners,
        count(*) filter (where eligible_12m) as verification_eligible,
        count(*) filter (where eligible_12m and verified_12m) as verified,
        count(*) filter (where eligible_24m) as recognition_eligible,
        count(*) filter (where eligible_24m and recognised_24m) as recognised,
        -- cell keys of each count (pipelines/cellkey.py): the sum of its records' keys
        cast((sum(record_key)) % 4096 as bigint) as awards_key,
        cast((sum(distinct learner_record_key)) % 4096 as bigint) as awarded_learners_key,
        cast((sum(record_key) filter (where eligible_12m)) % 4096 as bigint) as verification_eligible_key,
        cast((sum(record_key) filter (where eligible_12m and verified_12m)) % 4096 as bigint) as verified_key,
        cast((sum(record_key) filter (where eligible_24m)) % 4096 as bigint) as recognition_eligible_key,
        cast((sum(record_key) filter (where eligible_24m and recognised_24m)) % 4096 as bigint) as recognised_key,
        min(year) as first_award_year,
        max(year) as last_award_year
    from awards
    group by credential_id
),
stacking as (
    select
        credential_id,
        count(*) filter (where issue_date <= getvariable('cutoff') - interval 36 month) as stacking_eligible,
        count(*) filter (
            where issue_date <= getvariable('cutoff') - interval 36 month
              and next_award_date <= issue_date + interval 36 month
        ) as stacked,
        count(distinct learner_key) filter (where next_award_date <= issue_date + interval 36 month)
            as stacked_learners,
        cast((sum(record_key) filter (where issue_date <= getvariable('cutoff') - interval 36 month)) % 4096 as bigint)
            as stacking_eligible_key,
        cast((sum(record_key) filter (
            where issue_date <= getvariable('cutoff') - interval 36 month
              and next_award_date <= issue_date + interval 36 month
        )) % 4096 as bigint) as stacked_key,
        cast((sum(distinct learner_record_key) filter (where next_award_date <= issue_date + interval 36 month)) % 4096 as bigint)
            as stacked_learners_key
    from paths
    group by credential_id
),
enrolments as (
    select distinct credential_id, learner_key,
        record_key(learner_key) as learner_record_key
    from fct_pathway_event
    where event_type = 'enrolled' and credential_id is not null
),
completions as (
    select distinct credential_id, learner_key
    from fct_pathway_event
    where event_type = 'completed' and credential_id is not null
),
funnel as (
    select
        enrolments.credential_id,
        count(*) as enrolled_learners,
        count(completions.learner_key) as completed_learners,
        cast((sum(learner_record_key)) % 4096 as bigint) as enrolled_learners_key,
        cast((sum(learner_record_key) filter (where completions.learner_key is not null)) % 4096 as bigint)
            as completed_learners_key
    from enrolments
    left join completions using (credential_id, learner_key)
    group by enrolments.credential_id
),
outcomes as (
    select
        awards.credential_id,
        count(*) filter (where outcome.months_after_award = 12) as observed_12m,
        count(*) filter (where outcome.months_after_award = 12 and outcome.is_employed) as employed_12m,
        count(*) filter (
            where outcome.months_after_award = 12 and outcome.is_employed and outcome.job_related
        ) as related_12m,
        count(distinct outcome.learner_key) filter (
            where outcome.months_after_award = 12 and outcome.is_employed
        ) as employed_learners_12m,
        cast((sum(outcome.record_key) filter (where outcome.months_after_award = 12)) % 4096 as bigint) as observed_12m_key,
        cast((sum(outcome.record_key) filter (where outcome.months_after_award = 12 and outcome.is_employed)) % 4096 as bigint)
            as employed_12m_key,
        cast((sum(outcome.record_key) filter (
            where outcome.months_after_award = 12 and outcome.is_employed and outcome.job_related
        )) % 4096 as bigint) as related_12m_key,
        cast((sum(distinct awards.learner_record_key) filter (
            where outcome.months_after_award = 12 and outcome.is_employed
        )) % 4096 as bigint) as employed_learners_12m_key
    from mart_outcome as outcome
    join awards using (award_id)
    group by awards.credential_id
),
final as (
    select
        credentials.credential_id,
        credentials.title,
        credentials.provider_id,
        providers.provider_name,
        providers.provider_type,
        providers.country_code,
        providers.region_code,
        credentials.isced_f_broad,
        credentials.eqf_level,
        credentials.is_stackable,
        credentials.annex_present,
        credentials.annex_complete,
        coalesce(award_counts.awards, 0) as awards,
        coalesce(funnel.enrolled_learners, 0) as enrolled_learners,
        coalesce(funnel.completed_learners, 0) as completed_learners,
        coalesce(award_counts.awarded_learners, 0) as awarded_learners,
        coalesce(stacking.stacked_learners, 0) as stacked_learners,
        coalesce(outcomes.employed_learners_12m, 0) as employed_learners_12m,
        coalesce(stacking.stacking_eligible, 0) as stacking_eligible,
        coalesce(stacking.stacked, 0) as stacked,
        coalesce(award_counts.recognition_eligible, 0) as recognition_eligible,
        coalesce(award_counts.recognised, 0) as recognised,
        coalesce(award_counts.verification_eligible, 0) as verification_eligible,
        coalesce(award_counts.verified, 0) as verified,
        coalesce(outcomes.observed_12m, 0) as observed_12m,
        coalesce(outcomes.employed_12m, 0) as employed_12m,
        coalesce(outcomes.related_12m, 0) as related_12m,
        award_counts.first_award_year,
        award_counts.last_award_year,
        award_counts.awards_key,
        funnel.enrolled_learners_key,
        funnel.completed_learners_key,
        award_counts.awarded_learners_key,
        stacking.stacked_learners_key,
        outcomes.employed_learners_12m_key,
        stacking.stacking_eligible_key,
        stacking.stacked_key,
        award_counts.recognition_eligible_key,
        award_counts.recognised_key,
        award_counts.verification_eligible_key,
        award_counts.verified_key,
        outcomes.observed_12m_key,
        outcomes.employed_12m_key,
        outcomes.related_12m_key
    from credentials
    join providers using (provider_id)
    left join award_counts using (credential_id)
    left join stacking using (credential_id)
    left join funnel using (credential_id)
    left join outcomes using (credential_id)
)
select * from final order by credential_id
