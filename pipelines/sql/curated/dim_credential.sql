-- dim_credential: one credential specification with its Annex I completeness (DOMAIN.md §2).
-- The nine specification-level mandatory elements: title, issuer country, awarding body, learning
-- outcomes, workload (ECTS or hours), level (EQF), assessment type, form of participation, QA type.
with credentials as (select * from stg_credentials),
providers as (select * from stg_providers),
sources as (select * from stg_credential_sources),
elements as (
    select
        credentials.*,
        credentials.title is not null as has_title,
        providers.country_code is not null as has_issuer_country,
        providers.provider_name is not null as has_awarding_body,
        credentials.learning_outcomes is not null as has_learning_outcomes,
        (credentials.ects is not null or credentials.notional_hours is not null) as has_workload,
        credentials.eqf_level is not null as has_level,
        credentials.assessment_type is not null as has_assessment_type,
        credentials.participation_form is not null as has_participation_form,
        credentials.qa_type is not null as has_qa_type,
        coalesce(array_length(list_filter(string_split(credentials.esco_skills, '|'),
            lambda s: starts_with(trim(s), 'http://data.europa.eu/esco/skill/'))), 0) as esco_skill_count,
        coalesce(array_length(list_filter(string_split(credentials.learning_outcomes, '|'),
            lambda s: trim(s) <> '')), 0) as learning_outcome_count
    from credentials
    left join providers using (provider_id)
),
scored as (
    select
        *,
        (has_title::int + has_issuer_country::int + has_awarding_body::int + has_learning_outcomes::int
         + has_workload::int + has_level::int + has_assessment_type::int + has_participation_form::int
         + has_qa_type::int) as annex_present,
        list_filter([
            case when not has_title then 'title' end,
            case when not has_issuer_country then 'issuer_country' end,
            case when not has_awarding_body then 'awarding_body' end,
            case when not has_learning_outcomes then 'learning_outcomes' end,
            case when not has_workload then 'workload' end,
            case when not has_level then 'level' end,
            case when not has_assessment_type then 'assessment_type' end,
            case when not has_participation_form then 'participation_form' end,
            case when not has_qa_type then 'qa_type' end
        ], lambda x: x is not null) as annex_missing
    from elements
),
final as (
    select
        credential_id,
        provider_id,
        title,
        learning_outcomes,
        learning_outcome_count,
        esco_skills,
        esco_skill_count,
        isced_f_broad,
        eqf_level,
        ects,
        notional_hours,
        participation_form,
        format,
        assessment_type,
        supervision,
        qa_type,
        prerequisites,
        coalesce(integration, case when stackable_into is not null then 'stackable' end) as integration,
        stackable_into,
        stackable_into is not null as is_stackable,
        co_design_partner,
        price_eur,
        launch_date,
        retirement_date,
        further_info_url,
        coalesce(sources.source_standard, 'csv_template') as source_standard,
        sources.achievement_type,
        has_learning_outcomes,
        esco_skill_count > 0 as has_esco_skill,
        annex_present,
        annex_present = 9 as annex_complete,
        annex_missing
    from scored
    left join sources using (credential_id, source_file)
)
select * from final order by credential_id
