"""Find the delivery files in a raw folder and tell which record type each one holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.contracts import contracts

# Files the generator writes beside the data; they describe a delivery and hold no records.
METADATA_FILES = {"manifest.json", "ground_truth.json"}


@dataclass(frozen=True)
class DeliveryFile:
    path: Path
    name: str  # path relative to the raw folder, as shown to users and stored as provenance
    table: str | None  # record type, None when no template matches


def record_type(file_name: str) -> str | None:
    """`awards.csv` and `awards_2024.csv` hold awards; the longest matching template name wins."""
    stem = Path(file_name).stem.lower()
    matches = [t for t in contracts() if stem == t or stem.startswith(t + "_")]
    return max(matches, key=len) if matches else None


def discover(raw: Path) -> list[DeliveryFile]:
    """Every file under `raw` except metadata and hidden files, sorted so builds are repeatable."""
    files = []
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        rel = path.relative_to(raw).as_posix()
        if path.name in METADATA_FILES or any(part.startswith(".") for part in Path(rel).parts):
            continue
        table = record_type(path.name) if path.suffix.lower() == ".csv" else None
        files.append(DeliveryFile(path, rel, table))
    return files
