-- fct_pathway_event: one event in a learner's path (enrolment, completion, stacking, recognition, ...).
with events as (select * from stg_pathway_events),
final as (
    select
        event_id,
        learner_id as learner_key,
        event_type,
        event_date,
        credential_id,
        award_id,
        qualification_id,
        recognising_org_type,
        ects_recognised,
        vpl_outcome
    from events
)
select * from final order by event_id
