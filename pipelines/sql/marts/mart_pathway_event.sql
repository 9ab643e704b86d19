-- mart_pathway_event: one pathway event, dated by the event, sliced by the award it refers to (or,
-- without one, by the credential's provider), for prior-learning outcomes (FLX-5).
with events as (select * from fct_pathway_event),
awards as (select * from mart_award),
credentials as (select credential_id, provider_id, isced_f_broad, eqf_level, format, participation_form
                from dim_credential),
providers as (select * from dim_provider),
learners as (select * from dim_learner),
final as (
    select
        events.event_id,
        events.learner_key,
        record_key(concat_ws('|', events.learner_key, 'event', events.event_id)) as record_key,  -- cell key method
        events.event_type,
        year(events.event_date) as year,
        events.vpl_outcome,
        events.ects_recognised,
        coalesce(awards.country_code, providers.country_code) as country_code,
        coalesce(awards.region_code, providers.region_code) as region_code,
        coalesce(awards.provider_type, providers.provider_type) as provider_type,
        coalesce(awards.provider_id, providers.provider_id) as provider_id,
        coalesce(awards.isced_f_broad, credentials.isced_f_broad) as isced_f_broad,
        coalesce(awards.eqf_level, credentials.eqf_level) as eqf_level,
        coalesce(awards.format, credentials.format) as format,
        coalesce(awards.participation_form, credentials.participation_form) as participation_form,
        awards.purpose,
        learners.sex,
        age_band(year(events.event_date) - learners.birth_year) as age_band
    from events
    left join awards using (award_id)
    left join credentials on credentials.credential_id = events.credential_id
    left join providers on providers.provider_id = credentials.provider_id
    left join learners on learners.learner_key = events.learner_key
)
select * from final order by event_id
