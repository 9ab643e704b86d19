# ruff: noqa: E501 - CSV text is kept verbatim, one record per line
"""A hand-written tiny delivery (a few rows per template) for build tests that need exact answers."""

from __future__ import annotations

from pathlib import Path

TINY = {
    "regions.csv": """region_code,region_name,country_code
NL32,Noord-Holland,NL
DE21,Oberbayern,DE
""",
    "region_population.csv": """region_code,age_band,population
NL32,25-34,400000
NL32,35-44,380000
DE21,25-34,700000
""",
    "providers.csv": """provider_id,provider_name,provider_type,country_code,region_code,external_qa
P1,Uni Amsterdam,higher_education,NL,NL32,true
P2,Acme Training,private,DE,DE21,false
""",
    "qualifications.csv": """qualification_id,title,eqf_level,isced_f_broad,country_code
Q1,Bachelor of ICT,6,06,NL
""",
    "credentials.csv": """credential_id,provider_id,title,learning_outcomes,esco_skills,isced_f_broad,eqf_level,ects,notional_hours,participation_form,format,assessment_type,supervision,qa_type,prerequisites,integration,stackable_into,co_design_partner,price_eur,launch_date,retirement_date,further_info_url
C1,P1,Data basics,Explain data|Clean data,http://data.europa.eu/esco/skill/abc,06,5,5,,online,digital_badge,exam,supervised_id,external,,stackable,Q1,,0,2019-01-01,,
C2,P2,Sales talk,,,04,,,20,onsite,paper_certificate,,,,,,,Acme,100,2019-01-01,,
""",
    "learners.csv": """learner_id,birth_year,sex,prior_education_isced,region_code,labour_status_before
NL-000000001,1990,F,3,NL32,employed
jan@example.org,1985,M,6,NL32,unemployed
NL-000000003,1970,X,2,DE21,inactive
""",
    "awards.csv": """award_id,credential_id,learner_id,issue_date,format,standard,signed,purpose,status,grade,expiry_date
A1,C1,NL-000000001,2020-03-01,digital_badge,OB3,true,new_learning,issued,,
A2,C1,NL-000000001,2020-03-01,digital_badge,OB3,true,new_learning,issued,,
A3,C2,JAN@example.org ,2021-06-15,paper_certificate,paper,false,prior_learning,revoked,,
A4,C2,NL-000000003,2024-05-01,paper_certificate,paper,false,new_learning,issued,,
A4,C2,NL-000000003,2024-05-01,paper_certificate,paper,false,new_learning,issued,,
A5,C9,NL-000000003,2024-05-01,paper_certificate,paper,false,new_learning,issued,,
A6,C1,NL-000000003,2027-01-01,digital_badge,OB3,true,new_learning,issued,,
A7,C1,NL-000000003,2018-01-01,digital_badge,OB3,true,new_learning,issued,,
A8,C1,NL-000000003,2022-01-01,hologram,OB3,true,new_learning,issued,,
A9,C1,,2022-01-01,digital_badge,OB3,true,new_learning,issued,,
""",
    "pathway_events.csv": """event_id,learner_id,event_type,event_date,credential_id,award_id,qualification_id,recognising_org_type,ects_recognised,vpl_outcome
E1,NL-000000001,stacked_into_qualification,2022-09-01,C1,A1,Q1,education,5,
""",
    "verifications.csv": "\ufeffverification_id;award_id;verification_date;verifier_type\r\n"
    "V1;A1;2020-05-01;employer\r\nV2;A3;2023-01-01;education\r\n",
    "employment_outcomes.csv": """observation_id,learner_id,award_id,observation_date,months_after_award,is_baseline,status,monthly_earnings_eur,isco08,nace,job_related
O1,NL-000000001,,2019-06-01,,true,unemployed,,,,
O2,NL-000000001,A1,2021-03-01,12,false,employed,3100,2511,J,true
""",
}

# What the build must make of TINY (cut-off 2025-12-31)
EXPECTED_QUARANTINE = {
    ("awards", "duplicate_key"): 1,  # second A4
    ("awards", "orphan_reference"): 1,  # A5 -> C9
    ("awards", "date_after_cutoff"): 1,  # A6
    ("awards", "date_before_launch"): 1,  # A7
    ("awards", "unknown_code"): 1,  # A8
    ("awards", "missing_required"): 1,  # A9
}


def write_tiny(folder: Path, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or TINY).items():
        (folder / name).write_bytes(text.encode("utf-8"))
    (folder / "manifest.json").write_text('{"data_cutoff": "2025-12-31"}')
    return folder
