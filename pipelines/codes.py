"""Reference code lists shared by the pipeline, the reports and the dashboard (DOMAIN.md §7)."""

# ISCED-F 2013 broad fields.
FIELD_NAMES = {
    "00": "Generic programmes",
    "01": "Education",
    "02": "Arts and humanities",
    "03": "Social sciences, journalism and information",
    "04": "Business, administration and law",
    "05": "Natural sciences, mathematics and statistics",
    "06": "Information and communication technologies",
    "07": "Engineering, manufacturing and construction",
    "08": "Agriculture, forestry, fisheries and veterinary",
    "09": "Health and welfare",
    "10": "Services",
}
