"""Counterfactual impact of micro-credentials on employment and earnings (issue 15).

``estimate.py`` holds the estimator (coarsened exact matching + difference-in-differences, statsmodels
WLS with person-clustered standard errors); ``tables.py`` reads the warehouse, runs it for every group
and writes the internal ``mart_impact*`` and the public ``pub_impact*`` tables. See docs/METHODOLOGY.md.
"""

METHOD = "CEM + DiD (WLS, HC1 = person-clustered), reference quarter -3 months"
METHOD_VERSION = "1.0"
