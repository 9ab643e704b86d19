-- mart_award: one award with everything the award-based indicators slice and count by.
with awards as (select * from fct_award),
credentials as (select * from dim_credential),
providers as (select * from dim_provider),
verifications as (select * from fct_verification),
verified as (
    -- verified by an employer or education institution within 12 months of issue
    select distinct awards.award_id
    from awards
    join verifications using (award_id)
    where verifications.verifier_type in ('employer', 'education')
      and verifications.verification_date >= awards.issue_date
      and verifications.verification_date <= awards.issue_date + interval 12 month
),
final as (
    select
        awards.award_id,
        awards.credential_id,
        awards.provider_id,
        awards.learner_key,
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
        credentials.is_stackable,
        awards.format,
        awards.standard,
        awards.signed,
        awards.purpose,
        awards.status,
        awards.issue_date <= getvariable('cutoff') - interval 12 month as eligible_12m,
        verified.award_id is not null as verified_12m
    from awards
    join credentials using (credential_id)
    join providers on providers.provider_id = awards.provider_id
    left join verified using (award_id)
)
select * from final order by award_id
