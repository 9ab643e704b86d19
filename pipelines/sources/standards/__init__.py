"""Readers for standards-based credential deliveries: Open Badges 3.0 and 2.0, European Learning Model v3.

    from pipelines.sources.standards import read_standards
    delivery = read_standards([Path("raw/badges")], root=Path("raw"))

`delivery.tables` holds contract-shaped, all-text tables (providers, credentials, learners, awards)
with provenance; `delivery.files` says what happened to every file; `delivery.quarantine` lists the
records that parsed but could not be mapped; `delivery.annex` flags the Annex I elements per award.
The learner column holds *raw* identifiers: pseudonymise before storing, and never print it.
"""

from pipelines.sources.standards.delivery import FileOutcome, StandardsDelivery, read_standards

__all__ = ["FileOutcome", "StandardsDelivery", "read_standards"]
