"""Older Europass EDCI XML credentials: recognised and reported, not mapped.

The pre-ELM-v3 XML model was replaced by ELM v3 JSON-LD and no real sample was available to build a
faithful mapping against, so an EDCI XML file is rejected with a reason that tells the provider what to
send instead, rather than being half-read. The sniff reads the first bytes only (no XML parser: no
entity expansion, no network).
"""

from __future__ import annotations

import re

from pipelines.sources.standards.jsonio import ParseError

_ROOT = re.compile(
    rb"<\s*(?:[A-Za-z0-9_-]+:)?(europassCredential|europassPresentation|europassDiplomaSupplement)\b", re.I
)


def reject_xml(data: bytes) -> None:
    """Always raises ParseError: EDCI XML (format EDCI) or some other XML (format unknown)."""
    head = data[:65536]
    if (
        _ROOT.search(head)
        or b"data.europa.eu/europass/model" in head
        or b"europass/model/credentials" in head
    ):
        raise ParseError(
            "Europass EDCI XML is recognised but not read by this version; export the credential "
            "as European Learning Model v3 JSON-LD instead",
            fmt="EDCI",
        )
    raise ParseError("the XML file is not a Europass EDCI credential or a baked SVG badge")
