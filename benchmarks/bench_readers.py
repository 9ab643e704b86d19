"""Benchmark the standards readers: OB 3.0 credentials/s from NDJSON and from a folder of one file each.

Targets (issue #3): >= 20,000 credentials/s from NDJSON and >= 5,000/s from a folder, at 200,000
credentials, peak memory < 2 GB. Each measurement runs in its own process so its peak resident memory
(ru_maxrss) is its own. Synthetic credentials only; not a test: run it by hand.

    python benchmarks/bench_readers.py --count 200000
    python benchmarks/bench_readers.py --count 200000 --workers 1   # the folder read without a pool

Both are read with the process pool of `pipelines/sources/standards/parallel.py` (MCO_READ_WORKERS,
default the CPU count; 1 reads in one process): the folder by chunks of files, the NDJSON file by
chunks of lines (one chunk in N read by the reading process itself, the rest by N - 1 workers). Each
line gives the wall rate, the rate per CPU second (the reading process and its workers together) and
the worker count; peak memory is the reading process's and, with a pool, the largest worker's.
    python benchmarks/bench_readers.py --hostile   # the denial-of-service inputs of issue #10

`--hostile` times the inputs that once took minutes or gigabytes: a 2 MB array of 1M integers, a
zipped one-line NDJSON of zeros (a zip bomb, ~10 GiB inflated; once with the default limits, once with
the ratio and size caps lifted so it is really inflated, line by line), a 425 MB JSON array and a
400 MB NDJSON of credentials. Targets: seconds for the integers, < 1 GiB peak for the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

TARGETS = {"ndjson": 20_000, "folder": 5_000}
LIFTED = {"MCO_MAX_ZIP_RATIO": "10000000", "MCO_MAX_CREDENTIAL_BYTES": "64G", "MCO_MAX_ZIP_BYTES": "64G"}


def credential(i: int, rng: random.Random, unique_specs: bool = False) -> dict:
    """A realistic OB3 micro-credential (~2 KB) with the European extension fields filled in."""
    issuer = rng.randrange(200)
    spec = i if unique_specs else issuer * 10 + rng.randrange(10)
    day = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:bench-award-{i}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Micro-credential {spec}",
        "issuer": {
            "id": f"https://issuer{issuer}.example.eu",
            "type": ["Profile"],
            "name": f"Issuer {issuer}",
            "address": {"type": ["Address"], "addressCountryCode": rng.choice(["NL", "DE", "FR", "SI"])},
        },
        "validFrom": f"{day}T10:{rng.randrange(60):02d}:00+02:00",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": f"sha256${i:064x}",
                    "salt": "s",
                }
            ],
            "achievement": {
                "id": f"https://issuer{issuer}.example.eu/achievements/{spec}",
                "type": ["Achievement"],
                "name": f"Micro-credential {spec}",
                "description": "Demonstrates applied data skills in a supervised capstone project.",
                "achievementType": "MicroCredential",
                "creditsAvailable": rng.choice([2, 3, 5, 6]),
                "criteria": {"narrative": "Pass the final assessment."},
                "fieldOfStudy": "0613",
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "analyse data",
                        "targetUrl": "http://data.europa.eu/esco/skill/81a2db2c-7e55-44d0-9cd9-74c25147d7cd",
                    },
                    {
                        "type": ["Alignment"],
                        "targetType": "ext:EQF",
                        "targetName": "EQF level 5",
                        "targetUrl": "http://data.europa.eu/snb/eqf/5",
                    },
                ],
                "participationForm": rng.choice(["online", "onsite", "blended"]),
                "assessmentType": "Written exam",
            },
            "result": [{"type": ["Result"], "value": rng.choice(["A", "B", "C"])}],
        },
        "proof": [
            {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z" + "3" * 86}
        ],
    }


def write_inputs(work: Path, count: int, unique_specs: bool) -> tuple[Path, Path]:
    rng = random.Random(3)
    ndjson = work / "ndjson" / "credentials.ndjson"
    folder = work / "folder" / "credentials"
    ndjson.parent.mkdir(parents=True)
    folder.mkdir(parents=True)
    with open(ndjson, "w", encoding="utf-8") as fh:
        for i in range(count):
            text = json.dumps(credential(i, rng, unique_specs), separators=(",", ":"))
            fh.write(text + "\n")
            sub = folder / f"{i // 1000:04d}"
            if i % 1000 == 0:
                sub.mkdir()
            (sub / f"cred-{i:07d}.json").write_text(text, encoding="utf-8")
    return ndjson, folder


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(target: Path) -> None:
    """Child process: read one input, print one JSON line with time and counts."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from pipelines.sources.standards import parallel, read_standards

    workers = parallel.worker_count()
    start, cpu = time.perf_counter(), _cpu()
    delivery = read_standards([target], target.parent, workers=workers)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    loaded = sum(f.records_loaded for f in delivery.files)
    rejected = [f.reason for f in delivery.files if f.status == "rejected"]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "workers": workers
                if (
                    len(delivery.files) >= parallel.MIN_FILES
                    if target.is_dir()
                    else loaded >= parallel.MIN_LINES
                )
                else 1,
                "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "loaded": loaded,
                "files": len(delivery.files),
                "quarantined": len(delivery.quarantine),
                "annex_rows": delivery.annex.height,
                "rejected": rejected[:1],
            }
        )
    )


def run(target: Path, env: dict[str, str] | None = None) -> dict:
    command = [sys.executable, __file__, "--measure", str(target)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, env={**os.environ, **(env or {})})
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"measurement failed for {target}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_mib"] = usage.ru_maxrss / 1024
    return result


def write_hostile(work: Path, bomb_gib: int) -> dict[str, Path]:
    """The denial-of-service inputs, each in a folder of its own."""
    paths = {name: work / name for name in ("ints", "bomb", "array", "ndjson")}
    for folder in paths.values():
        folder.mkdir(parents=True)
    (paths["ints"] / "ints.json").write_text("[" + ",".join(["1"] * 1_000_000) + "]")
    zeros = bytes(16 << 20)
    bomb = zipfile.ZipFile(paths["bomb"] / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED)
    with bomb, bomb.open("bomb.ndjson", "w", force_zip64=True) as fh:
        for _ in range(bomb_gib * 64):
            fh.write(zeros)
    rng = random.Random(5)
    with open(paths["array"] / "array.json", "w") as arr, open(paths["ndjson"] / "big.ndjson", "w") as nd:
        arr.write("[")
        i = 0
        while arr.tell() < 425 << 20:
            text = json.dumps(credential(i, rng), separators=(",", ":"))
            arr.write(("," if i else "") + text)
            if nd.tell() < 400 << 20:
                nd.write(text + "\n")
            i += 1
        arr.write("]")
    return paths


def hostile(work: Path, bomb_gib: int) -> None:
    started = time.perf_counter()
    paths = write_hostile(work, bomb_gib)
    print(f"wrote the hostile inputs in {time.perf_counter() - started:.1f} s ({work})")
    runs = [
        ("1M integers, 2 MB array", paths["ints"], None),
        (f"zip bomb ({bomb_gib} GiB of zeros), default limits", paths["bomb"], None),
        (f"zip bomb ({bomb_gib} GiB of zeros), caps lifted", paths["bomb"], LIFTED),
        ("425 MB JSON array", paths["array"], None),
        ("400 MB NDJSON", paths["ndjson"], None),
    ]
    for label, target, env in runs:
        r = run(target, env)
        outcome = f"rejected: {r['rejected'][0][:150]}" if r["rejected"] else f"{r['loaded']:,} loaded"
        print(f"{label:44s} {r['seconds']:7.2f} s, peak {r['peak_mib']:6,.0f} MiB; {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep inputs here (default: temp dir).")
    parser.add_argument(
        "--unique-specs",
        action="store_true",
        help="Worst case: every credential has its own specification (default: 2,000 shared).",
    )
    parser.add_argument("--hostile", action="store_true", help="Time the denial-of-service inputs instead.")
    parser.add_argument("--bomb-gib", type=int, default=10, help="Inflated size of the zip bomb (--hostile).")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Pool size for the folder (default MCO_READ_WORKERS, else CPUs).",
    )
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workers:
        os.environ["MCO_READ_WORKERS"] = str(args.workers)
    if args.measure:
        measure(args.measure)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mco-bench-readers-"))
    if work.exists() and any(work.iterdir()):
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    if args.hostile:
        hostile(work, args.bomb_gib)
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
        return
    print(f"{os.cpu_count()} CPU(s); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.perf_counter()
    ndjson, folder = write_inputs(work, args.count, args.unique_specs)
    print(f"wrote {args.count:,} credentials twice in {time.perf_counter() - started:.1f} s ({work})")
    failed = False
    for kind, target in (("ndjson", ndjson), ("folder", folder)):
        r = run(target)
        rate = r["loaded"] / r["seconds"]
        ok = rate >= TARGETS[kind] and r["peak_mib"] < 2048 and r["loaded"] == args.count
        failed |= not ok
        worker_peak = f", largest worker {r['worker_peak_mib']:,.0f} MiB" if r["workers"] > 1 else ""
        print(
            f"{kind:7s} {r['loaded']:>9,} loaded in {r['seconds']:6.2f} s = {rate:>9,.0f} credentials/s wall "
            f"(target {TARGETS[kind]:,}/s), {r['loaded'] / r['cpu']:>9,.0f}/s per CPU, "
            f"{r['workers']} worker(s); peak {r['peak_mib']:,.0f} MiB{worker_peak} (limit 2,048) "
            f"{'OK' if ok else 'BELOW TARGET'}",
            flush=True,
        )
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
