"""Staging: every delivery file read (pipelines/sources), each record type checked row by row against its
contract and staged as `stg_<table>`, every failing row quarantined with a reason.

    intake.py      read every delivery file, stage each record type, account for every row per file
    stage.py       one record type: typed staging table plus quarantined rows, in a fixed check order
    row_checks.py  the row-level checks a table contract implies (required, type, code, pattern, range)
"""
