-- mart_credential_year: a credential specification in each year it was awarded ("on offer"),
-- with its Annex I completeness, for the transparency indicators.
with awards as (select distinct credential_id, year from fct_award),
credentials as (select * from dim_credential),
providers as (select * from dim_provider),
final as (
    select
        awards.credential_id,
        record_key('spec|' || awards.credential_id) as record_key,  -- cell key method
        awards.year,
        credentials.provider_id,
        providers.country_code,
        providers.region_code,
        providers.provider_type,
        credentials.isced_f_broad,
        credentials.eqf_level,
        credentials.format,
        credentials.participation_form,
        credentials.annex_present,
        credentials.annex_complete,
        credentials.has_learning_outcomes,
        credentials.has_esco_skill,
        credentials.ects is not null or credentials.notional_hours is not null as has_workload,
        credentials.ects,
        credentials.eqf_level is not null as has_level,
        credentials.co_design_partner is not null as co_designed
    from awards
    join credentials using (credential_id)
    join providers using (provider_id)
)
select * from final order by credential_id, year
