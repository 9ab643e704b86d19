-- dim_region: one NUTS 2 region with its resident population by age band (for per-capita rates).
with regions as (select * from stg_regions),
population as (select * from stg_region_population),
pivoted as (
    select
        region_code,
        sum(population) filter (where age_band = '15-24') as pop_15_24,
        sum(population) filter (where age_band in ('25-34', '35-44', '45-54', '55-64')) as pop_25_64,
        sum(population) filter (where age_band = '55-64') as pop_55_64,
        sum(population) filter (where age_band = '65+') as pop_65_plus,
        sum(population) as pop_15_plus
    from population
    group by region_code
),
final as (
    select
        regions.region_code,
        regions.region_name,
        regions.country_code,
        pivoted.pop_15_24,
        pivoted.pop_25_64,
        pivoted.pop_55_64,
        pivoted.pop_65_plus,
        pivoted.pop_15_plus
    from regions
    left join pivoted using (region_code)
)
select * from final order by region_code
