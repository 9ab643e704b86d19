"""Requests per second of the API for a cached indicator query, over real HTTP on 127.0.0.1.

    .venv/bin/python benchmarks/bench_api.py --warehouse data/curated/warehouse.duckdb [--requests 2000]

Starts `mco api` (uvicorn, one worker) on a free port of 127.0.0.1, waits for /health, asks the query
once (computed by the engine and cached), then times a bounded loop of the same request with one
keep-alive httpx client, and the same loop answered 304 with If-None-Match. Prints requests/s and the
median and 95th percentile latency; `--json OUT` writes them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUERY = "/indicators/TRU-1?by=country&year_from=2021&year_to=2024&eqf_level=5&eqf_level=6"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loop(client: httpx.Client, url: str, n: int, headers: dict | None = None) -> dict:
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(url, headers=headers)
        latencies.append(time.perf_counter() - t)
        if r.status_code not in (200, 304):
            raise SystemExit(f"unexpected status {r.status_code}: {r.text[:200]}")
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": n,
        "seconds": round(seconds, 3),
        "requests_per_s": round(n / seconds, 1),
        "median_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(0.95 * (n - 1))] * 1000, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", type=Path, default=ROOT / "data/curated/warehouse.duckdb")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--query", default=QUERY)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    port = _free_port()
    mco = Path(sys.executable).with_name("mco")
    cmd = [str(mco), "api", "--warehouse", str(args.warehouse), "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    raise SystemExit(f"the API did not start: {server.stderr.read().decode()[-500:]}")
                time.sleep(0.1)
            t = time.perf_counter()
            first = client.get(args.query)
            cold_ms = round((time.perf_counter() - t) * 1000, 1)
            if first.status_code != 200:
                raise SystemExit(f"{args.query}: {first.status_code} {first.text[:200]}")
            etag = first.headers["etag"]
            _loop(client, args.query, min(200, args.requests))  # warm-up
            cached = _loop(client, args.query, args.requests)
            revalidated = _loop(client, args.query, args.requests, {"If-None-Match": etag})
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    result = {
        "query": args.query,
        "first_request_ms": cold_ms,
        "cached_200": cached,
        "revalidated_304": revalidated,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
