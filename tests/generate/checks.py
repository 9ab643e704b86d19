"""A deliberately simple, independent reading of the contracts: which checks does each raw row trip?

Used to prove that clean rows trip none and every seeded defect row trips exactly its intended one.
"""

from __future__ import annotations

import polars as pl

from pipelines.contracts import contracts

CUTOFF = "2025-12-31"


def _filled(c: str) -> pl.Expr:
    return pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")


def reasons(table: str, frame: pl.DataFrame, raw: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``frame`` (text columns) with a list column ``reasons`` of the checks each row trips."""
    contract = contracts()[table]
    flags: dict[str, pl.Expr] = {}
    missing = [~_filled(c.name) for c in contract.columns if c.required]
    flags["missing_required"] = pl.any_horizontal(missing) if missing else pl.lit(False)
    codes, ranges = [], []
    for c in contract.columns:
        if c.allowed:
            codes.append(_filled(c.name) & ~pl.col(c.name).is_in(list(c.allowed)))
        if c.type == "boolean":
            codes.append(_filled(c.name) & ~pl.col(c.name).is_in(["true", "false"]))
        if c.pattern:
            codes.append(_filled(c.name) & ~pl.col(c.name).str.contains(c.pattern))
        if c.min is not None or c.max is not None:
            v = pl.col(c.name).cast(pl.Float64, strict=False)
            low = v < c.min if c.min is not None else pl.lit(False)
            high = v > c.max if c.max is not None else pl.lit(False)
            ranges.append(_filled(c.name) & (low | high))
    flags["unknown_code"] = pl.any_horizontal(codes) if codes else pl.lit(False)
    flags["out_of_range"] = pl.any_horizontal(ranges) if ranges else pl.lit(False)
    orphans = []
    for ref in contract.references:
        parent = contracts()[ref.table]
        keys = raw[ref.table][ref.key or parent.key[0]].unique().to_list()
        orphans.append(_filled(ref.column) & ~pl.col(ref.column).is_in(keys))
    flags["orphan_reference"] = pl.any_horizontal(orphans) if orphans else pl.lit(False)
    flags["duplicate_key"] = pl.struct(list(contract.key)).is_duplicated() & (
        pl.int_range(pl.len()).over(list(contract.key)) > 0
    )
    after, before = [pl.lit(False)], [pl.lit(False)]
    out = frame
    for rule in contract.rules:  # the date rules that seeded defects target
        col = pl.col(rule["name"].split(".")[0]).str.to_date(strict=False)
        if rule["reason"] == "date_after_cutoff":
            after.append(col > pl.lit(CUTOFF).str.to_date())
        if rule["reason"] == "date_before_launch":
            parent_table, via = rule["join"]["table"], rule["join"]["via"]
            launch = raw[parent_table].select(
                pl.col(contracts()[parent_table].key[0]).alias(via),
                pl.col("launch_date").str.to_date().alias("_launch"),
            )
            out = out.join(launch, on=via, how="left", maintain_order="left")
            before.append(col < pl.col("_launch"))
    flags["date_after_cutoff"] = pl.any_horizontal(after).fill_null(False)
    flags["date_before_launch"] = pl.any_horizontal(before).fill_null(False)
    out = out.with_columns(**{k: v.fill_null(False) for k, v in flags.items()})
    return out.with_columns(
        reasons=pl.concat_list([pl.when(pl.col(k)).then(pl.lit(k)) for k in flags]).list.drop_nulls()
    ).drop(list(flags), *(["_launch"] if "_launch" in out.columns else []))
