-- mart_credential_offer: a credential specification in each year it was on offer (ADO-6): awarded in
-- that year, or active in it (launched by the end of the year and by the data cut-off, not retired
-- before the year began). Years run up to the cut-off's year.
with credentials as (select * from dim_credential),
providers as (select * from dim_provider),
awarded as (select distinct credential_id, year from fct_award),
active as (
    select
        credential_id,
        unnest(generate_series(
            year(launch_date),
            least(year(coalesce(retirement_date, getvariable('cutoff'))), year(getvariable('cutoff')))
        )) as year
    from credentials
    where launch_date is not null and launch_date <= getvariable('cutoff')
),
offered as (
    select
        credential_id,
        year,
        bool_or(source = 'award') as awarded,
        bool_or(source = 'active') as active
    from (
        select credential_id, year, 'award' as source from awarded
        union all
        select credential_id, year, 'active' as source from active
    )
    group by credential_id, year
),
final as (
    select
        offered.credential_id,
        record_key('spec|' || offered.credential_id) as record_key,  -- cell key method
        offered.year,
        credentials.provider_id,
        providers.country_code,
        providers.region_code,
        providers.provider_type,
        credentials.isced_f_broad,
        credentials.eqf_level,
        credentials.format,
        credentials.participation_form,
        offered.awarded,
        offered.active
    from offered
    join credentials using (credential_id)
    join providers using (provider_id)
)
select * from final order by credential_id, year
