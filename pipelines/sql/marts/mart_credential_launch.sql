-- mart_credential_launch: each credential specification in the year it was launched (INN-1).
with credentials as (select * from dim_credential where launch_date is not null),
providers as (select * from dim_provider),
final as (
    select
        credentials.credential_id,
        record_key('spec|' || credentials.credential_id) as record_key,  -- cell key method
        year(credentials.launch_date) as year,
        credentials.provider_id,
        providers.country_code,
        providers.region_code,
        providers.provider_type,
        credentials.isced_f_broad,
        credentials.eqf_level,
        credentials.format,
        credentials.participation_form
    from credentials
    join providers using (provider_id)
)
select * from final order by credential_id
