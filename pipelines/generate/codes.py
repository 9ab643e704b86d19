"""Code lists in the order the generator's probability tables use (tests check them against the contracts)."""

from __future__ import annotations

PROVIDER_TYPES = ("higher_education", "vet", "employer", "sector_body", "private", "public_body", "ngo")
INDUSTRY = (2, 3)  # employer, sector_body
PARTICIPATION = ("online", "onsite", "blended")
FORMATS = ("paper_certificate", "digital_certificate", "digital_badge")
STANDARDS = ("OB2", "OB3", "ELM", "PDF", "paper")
ASSESSMENT = ("exam", "project", "portfolio", "practical", "oral", "none")
SUPERVISION = ("unsupervised_no_id", "supervised_no_id", "supervised_id")
QA_TYPES = ("external", "internal", "none")
INTEGRATION = ("standalone", "stackable")
PURPOSES = ("new_learning", "prior_learning")
AWARD_STATUS = ("issued", "accepted", "revoked")
SEXES = ("F", "M", "X")
LABOUR_STATUS = ("employed", "self_employed", "unemployed", "inactive", "in_education")
EVENT_TYPES = (
    "enrolled",
    "completed",
    "awarded",
    "stacked_into_qualification",
    "recognised_for_credit",
    "exemption_granted",
    "admitted_to_programme",
    "qualification_obtained",
)
ORG_TYPES = ("education", "employer", "public_authority")
VPL_OUTCOMES = (
    "exemption",
    "access",
    "shortened_duration",
    "partial_qualification",
    "full_qualification",
    "visibility",
)
VERIFIER_TYPES = ("employer", "education", "public_authority", "other")
GRADING = ("none", "pass", "numeric", "letter")  # grading schemes of a credential (not a contract column)
QUALIFICATION_LEVELS = (4, 5, 6, 7)

# (table, column) -> the generator's list, checked against the contract's allowed values
CONTRACT_CODES = {
    ("providers", "provider_type"): PROVIDER_TYPES,
    ("credentials", "participation_form"): PARTICIPATION,
    ("credentials", "format"): FORMATS,
    ("credentials", "assessment_type"): ASSESSMENT,
    ("credentials", "supervision"): SUPERVISION,
    ("credentials", "qa_type"): QA_TYPES,
    ("credentials", "integration"): INTEGRATION,
    ("awards", "format"): FORMATS,
    ("awards", "standard"): STANDARDS,
    ("awards", "purpose"): PURPOSES,
    ("awards", "status"): AWARD_STATUS,
    ("learners", "sex"): SEXES,
    ("learners", "labour_status_before"): LABOUR_STATUS,
    ("pathway_events", "event_type"): EVENT_TYPES,
    ("pathway_events", "recognising_org_type"): ORG_TYPES,
    ("pathway_events", "vpl_outcome"): VPL_OUTCOMES,
    ("verifications", "verifier_type"): VERIFIER_TYPES,
    ("employment_outcomes", "status"): LABOUR_STATUS,
}
