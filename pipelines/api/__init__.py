"""The read-only HTTP API over the public cube and the public releases (`mco api`, `make api`).

A top layer beside the CLI and the dashboard: it wires the indicator engine, the disclosure rules and
the release catalogue together and adds nothing to them. See `pipelines/api/app.py`.
"""
