-- mart_award: one award with everything the award-based indicators slice and count by.
with awards as (select * from fct_award),
credentials as (select * from dim_credential),
providers as (select * from dim_provider),
learners as (select * from dim_learner),
regions as (select region_code, country_code from dim_region),
verifications as (select * from fct_verification),
events as (select * from fct_pathway_event),
verified as (
    -- verified by an employer or education institution within 12 months of issue
    select distinct awards.award_id
    from awards
    join verifications using (award_id)
    where verifications.verifier_type in ('employer', 'education')
      and verifications.verification_date >= awards.issue_date
      and verifications.verification_date <= awards.issue_date + interval 12 month
),
recognised as (
    -- recognised by another organisation (credit, exemption, admission) within 24 months of issue
    select
        awards.award_id,
        bool_or(events.recognising_org_type = 'education') as by_education,
        bool_or(events.recognising_org_type = 'employer') as by_employer,
        bool_or(events.recognising_org_type = 'public_authority') as by_public_authority
    from awards
    join events using (award_id)
    where events.event_type in ('recognised_for_credit', 'exemption_granted', 'admitted_to_programme')
      and events.event_date >= awards.issue_date
      and events.event_date <= awards.issue_date + interval 24 month
    group by awards.award_id
),
final as (
    select
        awards.award_id,
        awards.credential_id,
        awards.provider_id,
        awards.learner_key,
        -- cell key method (pipelines/cellkey.py): fixed random keys of this award and of its learner
        record_key(concat_ws('|', awards.learner_key, awards.award_id)) as record_key,
        record_key(awards.learner_key) as learner_record_key,
        awards.issue_date,
        awards.year,
        providers.country_code,
        providers.region_code,
        providers.provider_type,
        providers.provider_group,
        credentials.isced_f_broad,
        credentials.eqf_level,
        credentials.participation_form,
        credentials.qa_type,
        credentials.supervision,
        credentials.is_stackable,
        awards.format,
        awards.standard,
        awards.signed,
        awards.purpose,
        awards.status,
        learners.sex,
        awards.year - learners.birth_year as age,
        age_band(awards.year - learners.birth_year) as age_band,
        learners.region_code as residence_region_code,
        regions.country_code as residence_country_code,
        awards.issue_date <= getvariable('cutoff') - interval 12 month as eligible_12m,
        verified.award_id is not null as verified_12m,
        awards.issue_date <= getvariable('cutoff') - interval 24 month as eligible_24m,
        recognised.award_id is not null as recognised_24m,
        coalesce(recognised.by_education, false) as recognised_24m_education,
        coalesce(recognised.by_employer, false) as recognised_24m_employer,
        coalesce(recognised.by_public_authority, false) as recognised_24m_public_authority
    from awards
    join credentials using (credential_id)
    join providers on providers.provider_id = awards.provider_id
    left join learners using (learner_key)
    left join regions on regions.region_code = learners.region_code
    left join verified using (award_id)
    left join recognised using (award_id)
)
select * from final order by award_id
