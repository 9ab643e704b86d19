-- fct_award: one credential issued to one learner.
with awards as (select * from stg_awards),
credentials as (select credential_id, provider_id from stg_credentials),
sources as (select * from stg_award_sources),
final as (
    select
        awards.award_id,
        awards.credential_id,
        credentials.provider_id,
        awards.learner_id as learner_key,
        awards.issue_date,
        sources.issued_at,
        year(awards.issue_date) as year,
        awards.format,
        awards.standard,
        awards.signed,
        awards.purpose,
        awards.status,
        awards.grade,
        awards.expiry_date,
        awards.source_file,
        awards.source_line
    from awards
    join credentials using (credential_id)
    left join sources on sources.award_id = awards.award_id and sources.source_file = awards.source_file
)
select * from final order by award_id
