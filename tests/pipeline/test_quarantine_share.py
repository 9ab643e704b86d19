"""The quarantine-share limit: per CSV template file, per delivery for credential files."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.build import ROOT_DELIVERY, _check_share, delivery_of, share_units
from pipelines.errors import BuildFailed

pytestmark = pytest.mark.unit


def report(*rows: tuple[str, int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"source_file": f, "rows_in": n, "rows_quarantined": q} for f, n, q in rows],
        schema={"source_file": pl.String, "rows_in": pl.Int64, "rows_quarantined": pl.Int64},
    )


@pytest.mark.parametrize(
    ("name", "delivery"),
    [
        ("badges/uni-a/x.json", "badges"),
        ("badges/x.json", "badges"),
        ("export.zip!a/b.json", "export.zip"),
        ("issuers/export.zip!a/b.json", "issuers"),
        ("loose.json", ROOT_DELIVERY),
    ],
)
def test_delivery_of(name, delivery):
    assert delivery_of(name) == delivery


def test_one_bad_credential_file_in_forty_passes_one_bad_csv_row_in_two_fails():
    files = [(f"badges/b{i:02}.json", 1, 1 if i == 7 else 0) for i in range(40)]
    units = share_units(report(*files, ("awards.csv", 10, 1)))
    assert units.select("unit", "kind", "files", "rows_in", "rows_quarantined").rows() == [
        ("awards.csv", "file", 1, 10, 1),
        ("badges", "credential delivery", 40, 40, 1),
    ]
    _check_share(report(*files), 0.2)  # 1 of 40: fine
    with pytest.raises(BuildFailed, match=r"1 of 2 rows of awards.csv"):
        _check_share(report(*files, ("awards.csv", 2, 1)), 0.2)  # CSV files keep the per-file rule


def test_a_mostly_broken_credential_delivery_still_fails():
    files = [(f"issuer-b/b{i}.json", 1, 1) for i in range(3)] + [("issuer-a/a.json", 1, 0)]
    with pytest.raises(BuildFailed, match=r"3 of 3 credential records in delivery issuer-b \(3 file\(s\)\)"):
        _check_share(report(*files), 0.2)
