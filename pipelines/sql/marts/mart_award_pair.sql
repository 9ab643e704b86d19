-- mart_award_pair: each pair of a learner's consecutive awards (ordered by date, then award id),
-- classified as a vertical, horizontal or complementary stack (FLX-2) and timed (FLX-7).
-- A pair takes the period and attributes of its second award.
with awards as (select * from mart_award),
ordered as (
    select
        *,
        lag(issue_date) over learner_path as previous_date,
        lag(eqf_level) over learner_path as previous_eqf_level,
        lag(isced_f_broad) over learner_path as previous_field
    from awards
    window learner_path as (partition by learner_key order by issue_date, award_id)
),
final as (
    select
        learner_key,
        award_id,
        record_key(concat_ws('|', learner_key, 'pair', award_id)) as record_key,  -- cell key method
        year,
        country_code,
        region_code,
        provider_type,
        provider_id,
        isced_f_broad,
        eqf_level,
        format,
        participation_form,
        purpose,
        sex,
        age_band,
        case
            when isced_f_broad is null or previous_field is null then 'unclassified'
            when isced_f_broad <> previous_field then 'complementary'
            when eqf_level is null or previous_eqf_level is null then 'unclassified'
            when eqf_level > previous_eqf_level then 'vertical'
            when eqf_level = previous_eqf_level then 'horizontal'
            else 'unclassified'
        end as stack_type,
        date_diff('day', previous_date, issue_date) / 30.4375 as months_between
    from ordered
    where previous_date is not null
)
select * from final order by learner_key, award_id
