-- mart_award_annex: the EU Annex I elements (Council Recommendation 2022/C 243/02) for every award,
-- whatever standard it arrived in: 11 mandatory and 5 optional elements, present or not, with their
-- normalised value and the missing ones named. Feeds the transparency figures for all sources.
with awards as (select * from fct_award),
credentials as (select * from dim_credential),
providers as (select * from dim_provider),
joined as (
    select
        awards.award_id,
        awards.credential_id,
        awards.provider_id,
        awards.year,
        credentials.source_standard,
        awards.learner_key is not null as present_learner_identification,
        credentials.title is not null as present_title,
        providers.country_code <> 'unknown' as present_issuer_country,
        providers.provider_name is not null as present_awarding_body,
        awards.issue_date is not null as present_issue_date,
        credentials.has_learning_outcomes as present_learning_outcomes,
        (credentials.ects is not null or credentials.notional_hours is not null) as present_workload,
        credentials.eqf_level is not null as present_level,
        credentials.assessment_type is not null as present_assessment_type,
        credentials.participation_form is not null as present_participation_form,
        credentials.qa_type is not null as present_quality_assurance,
        credentials.prerequisites is not null as present_prerequisites,
        credentials.supervision is not null as present_supervision_id_verification,
        awards.grade is not null as present_grade,
        credentials.integration is not null as present_integration_stackability,
        credentials.further_info_url is not null as present_further_information,
        credentials.title,
        nullif(providers.country_code, 'unknown') as issuer_country,
        providers.provider_name as awarding_body,
        awards.issue_date,
        credentials.learning_outcome_count,
        coalesce(cast(credentials.ects as varchar) || ' ECTS', cast(credentials.notional_hours as varchar) || ' hours')
            as workload,
        'EQF ' || credentials.eqf_level as level,
        credentials.assessment_type,
        credentials.participation_form,
        credentials.qa_type as quality_assurance,
        credentials.prerequisites,
        credentials.supervision as supervision_id_verification,
        awards.grade,
        credentials.integration as integration_stackability,
        credentials.further_info_url as further_information
    from awards
    join credentials using (credential_id)
    join providers on providers.provider_id = awards.provider_id
),
final as (
    select
        *,
        list_filter([
            case when not present_learner_identification then 'learner_identification' end,
            case when not present_title then 'title' end,
            case when not present_issuer_country then 'issuer_country' end,
            case when not present_awarding_body then 'awarding_body' end,
            case when not present_issue_date then 'issue_date' end,
            case when not present_learning_outcomes then 'learning_outcomes' end,
            case when not present_workload then 'workload' end,
            case when not present_level then 'level' end,
            case when not present_assessment_type then 'assessment_type' end,
            case when not present_participation_form then 'participation_form' end,
            case when not present_quality_assurance then 'quality_assurance' end
        ], lambda x: x is not null) as missing_mandatory,
        list_filter([
            case when not present_prerequisites then 'prerequisites' end,
            case when not present_supervision_id_verification then 'supervision_id_verification' end,
            case when not present_grade then 'grade' end,
            case when not present_integration_stackability then 'integration_stackability' end,
            case when not present_further_information then 'further_information' end
        ], lambda x: x is not null) as missing_optional
    from joined
)
select *, 11 - array_length(missing_mandatory) as mandatory_present from final order by award_id
