"""Programme comparison (issue 7): per-credential metrics from `mart_programme`, set beside their peer
group (same ISCED-F broad field and EQF level, all providers) with the peer median, the programme's
percentile and Wilson 95 % confidence intervals, under the disclosure rules of DOMAIN.md §6.

`stats` holds the pure statistics, `compare` applies them to the mart, `charts` draws the figures the
dashboard and the institution report share, and `report` writes the one-page report.
"""
