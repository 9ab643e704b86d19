-- dim_provider: one awarding body, with the taxonomy group it belongs to (DOMAIN.md §1).
with providers as (select * from stg_providers),
final as (
    select
        provider_id,
        provider_name,
        coalesce(provider_type, 'unknown') as provider_type,
        case
            when provider_type in ('higher_education', 'vet') then 'traditional'
            when provider_type in ('employer', 'sector_body') then 'industry'
            when provider_type = 'private' then 'private'
            when provider_type in ('public_body', 'ngo') then 'public_or_ngo'
            else 'unknown'
        end as provider_group,
        coalesce(country_code, 'unknown') as country_code,
        region_code,
        external_qa
    from providers
)
select * from final order by provider_id
