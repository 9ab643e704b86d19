-- fct_verification: a third party checked an award.
with verifications as (select * from stg_verifications),
final as (
    select verification_id, award_id, verification_date, verifier_type
    from verifications
)
select * from final order by verification_id
