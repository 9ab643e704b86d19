"""The curated tables, marts and cubes: `<layer>/<table>.sql` and its contract `<table>.yml` (models.py)."""
