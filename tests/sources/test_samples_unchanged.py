"""The readers' output for the real public samples (../shared/samples) stays what it was.

A guard for speed work on the readers: every table, file outcome, quarantine row, Annex I row and
published outcome of reading the samples as one delivery is digested per part and compared with the
digests recorded before the EDCI reader was rewritten for speed (fixtures/samples_digest.json; only
digests and counts are stored, never the samples' content). Skips cleanly on a fresh clone without
../shared. After an intended change of output, re-record with:

    python -m tests.sources.test_samples_unchanged
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import pytest

from pipelines.sources.standards import read_standards

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
RECORDED = Path(__file__).parent / "fixtures" / "samples_digest.json"
FOLDERS = ("europass", "ctdl", "openbadges", "vc", "europass/edci-xml")


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def digests(delivery) -> dict[str, dict]:
    """Per part of a delivery: row count and a digest of its rows in order."""
    parts = {name: frame.rows(named=True) for name, frame in sorted(delivery.tables.items())}
    parts["files"] = [
        {k: v for k, v in dataclasses.asdict(f).items() if not k.startswith("_")} for f in delivery.files
    ]
    parts["quarantine"] = delivery.quarantine
    parts["annex"] = delivery.annex.rows(named=True)
    if delivery.published_outcomes is not None:
        parts["published_outcomes"] = delivery.published_outcomes.rows(named=True)
    return {name: {"rows": len(rows), "digest": _digest(rows)} for name, rows in parts.items()}


def current() -> dict[str, dict]:
    return {folder: digests(read_standards([SAMPLES / folder], SAMPLES)) for folder in FOLDERS}


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not here (fresh clone)")
@pytest.mark.parametrize("folder", FOLDERS)
def test_sample_output_unchanged(folder):
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    got = digests(read_standards([SAMPLES / folder], SAMPLES))
    assert got == recorded[folder]


if __name__ == "__main__":  # re-record (see the module docstring)
    if not SAMPLES.is_dir():
        sys.exit(f"{SAMPLES} is not here")
    RECORDED.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {RECORDED}")
