-- dim_qualification: a formal qualification micro-credentials may stack into.
with qualifications as (select * from stg_qualifications),
final as (
    select qualification_id, title, eqf_level, isced_f_broad, country_code
    from qualifications
)
select * from final order by qualification_id
