"""Benchmark the EDCI XML and CTDL readers: files/s from a folder of one document each.

Target (issue #12): >= 2,000 files/s for each. Synthetic documents only (an EDCI credential with an
achievement, awarding process, specification, outcomes and assessment by reference, and a 4 KB base64
logo; a CTDL graph with a credential, its organisation and an AggregateDataProfile). Not a test: run it
by hand.

    python benchmarks/bench_xml_ctdl.py --count 5000             # serial, then the pool (all CPUs)
    python benchmarks/bench_xml_ctdl.py --count 5000 --workers 1  # serial only

Each line gives files/s of wall time and files/s per CPU second (this process and its worker
processes together), and the worker count: on a shared machine the wall rate says what the others
left over, the per-CPU rate what the reader costs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from pipelines.sources.standards import parallel, read_standards

TARGET = 2_000
NS = 'xmlns="http://data.europa.eu/snb" xmlns:cred="http://data.europa.eu/europass/model/credentials/w3c#"'


def _t(text: str) -> str:
    return f'<text content-type="text/plain" lang="en">{text}</text>'


def edci(i: int, rng: random.Random) -> str:
    logo = base64.b64encode(rng.randbytes(3000)).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<europassCredential {NS} cred:id="urn:credential:bench-{i}">
  <cred:issued>2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T10:00:00+02:00</cred:issued>
  <cred:issuer idref="urn:epass:org:1"/>
  <title>{_t(f"Credential {i}")}</title>
  <credentialSubject id="urn:epass:person:1">
    <contactPoint><mailBox uri="mailto:learner{i}@example.org"/></contactPoint>
    <achievements><learningAchievement id="urn:epass:learningAchievement:1">
      <title>{_t("Achievement")}</title>
      <wasDerivedFrom id="urn:epass:assessment:1"><grade>{rng.randrange(60, 100)}%</grade>
        <specifiedBy idref="urn:epass:assessmentspec:1"/></wasDerivedFrom>
      <wasAwardedBy idref="urn:epass:awardingProcess:1"/>
      <specifiedBy idref="urn:epass:qualification:1"/>
    </learningAchievement></achievements>
  </credentialSubject>
  <learningSpecificationReferences><qualification id="urn:epass:qualification:1">
    <title>{_t(f"Course {i % 50}")}</title>
    <volumeOfLearning>PT{rng.randrange(20, 200)}H</volumeOfLearning>
    <hasECTSCreditPoints>{rng.randrange(1, 10)}</hasECTSCreditPoints>
    <mode uri="http://data.europa.eu/snb/learning-assessment/920fbb3cbe"><targetName>{_t("Online")}</targetName></mode>
    <learningOutcomes><learningOutcome idref="urn:epass:learningOutcome:1"/></learningOutcomes>
    <eqfLevel uri="http://data.europa.eu/snb/eqf/{rng.randrange(3, 8)}"/>
  </qualification></learningSpecificationReferences>
  <learningOutcomeReferences><learningOutcome id="urn:epass:learningOutcome:1">
    <prefLabel>{_t("an outcome")}</prefLabel></learningOutcome></learningOutcomeReferences>
  <assessmentSpecificationReferences><assessmentSpecification id="urn:epass:assessmentspec:1">
    <type uri="http://data.europa.eu/snb/assessment/6e6cb2cc78">
      <targetName>{_t("written examination")}</targetName></type>
  </assessmentSpecification></assessmentSpecificationReferences>
  <agentReferences><organization id="urn:epass:org:1">
    <prefLabel>{_t(f"Provider {i % 100}")}</prefLabel>
    <hasLocation><hasAddress><country uri="http://publications.europa.eu/resource/authority/country/NLD"/></hasAddress></hasLocation>
    <logo><content>{logo}</content></logo>
  </organization></agentReferences>
  <awardingProcessReferences><awardingProcess id="urn:epass:awardingProcess:1">
    <awardingBody idref="urn:epass:org:1"/><date>2024-05-31T00:00:00+02:00</date>
  </awardingProcess></awardingProcessReferences>
</europassCredential>
"""


def ctdl(i: int, rng: random.Random) -> str:
    org = f"https://registry.example/resources/ce-org-{i % 100}"
    return json.dumps(
        {
            "@context": "https://credreg.net/ctdl/schema/context/json",
            "@graph": [
                {
                    "@id": f"https://registry.example/resources/ce-cred-{i}",
                    "@type": rng.choice(["ceterms:Certificate", "ceterms:Badge", "ceterms:MicroCredential"]),
                    "ceterms:name": {"en-US": f"Credential {i}", "es": f"Credencial {i}"},
                    "ceterms:description": {"en-US": "A description of the credential."},
                    "ceterms:ownedBy": [org],
                    "ceterms:subjectWebpage": f"https://example.org/c/{i}",
                    "ceterms:requires": [
                        {
                            "@type": "ceterms:ConditionProfile",
                            "ceterms:condition": {"en-US": ["High school diploma"]},
                            "ceterms:targetCompetency": [
                                {
                                    "@type": "ceterms:CredentialAlignmentObject",
                                    "ceterms:targetNodeName": {"en": "x"},
                                }
                            ],
                        }
                    ],
                    "ceterms:aggregateData": [
                        {
                            "@type": "ceterms:AggregateDataProfile",
                            "ceterms:currency": "USD",
                            "ceterms:medianEarnings": rng.randrange(20000, 90000),
                            "ceterms:numberAwarded": rng.randrange(10, 900),
                            "ceterms:jobsObtained": [
                                {"@type": "schema:QuantitativeValue", "qdata:percentage": 80.0}
                            ],
                        }
                    ],
                },
                {"@id": org, "@type": "ceterms:CredentialOrganization", "ceterms:name": {"en-US": "Org"}},
            ],
        }
    )


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process and of its finished children (the pool's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def run(kind: str, count: int, seed: int, workers: int) -> float:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / kind
        folder.mkdir()
        make, ext = (edci, ".xml") if kind == "edci" else (ctdl, ".json")
        for i in range(count):
            (folder / f"{i:07d}{ext}").write_text(make(i, rng), encoding="utf-8")
        read_standards([], Path(tmp))  # contracts and code lists loaded once, outside the timing
        start, (own, kids) = time.perf_counter(), cpu_seconds()
        delivery = read_standards([folder], Path(tmp), workers=workers)
        elapsed = time.perf_counter() - start
        own, kids = (b - a for a, b in zip((own, kids), cpu_seconds(), strict=True))
        cpu = own + kids
        loaded = sum(f.records_loaded for f in delivery.files)
        assert loaded == count, f"{kind}: {loaded} of {count} loaded"
    rate = count / elapsed
    flag = "ok" if rate >= TARGET else "BELOW TARGET"
    pooled = workers > 1 and count >= parallel.MIN_FILES
    print(
        f"{kind:5s} {count:7,d} files, {workers if pooled else 1} worker(s): {elapsed:6.2f} s wall = "
        f"{rate:8,.0f} files/s wall (target {TARGET:,}: {flag}); {cpu:6.2f} s CPU = "
        f"{count / cpu:,.0f} files/s per CPU ({own:.2f} s here, {kids:.2f} s in workers)",
        flush=True,
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--workers", type=int, default=None, help="Pool size (default MCO_READ_WORKERS, else the CPU count)."
    )
    args = parser.parse_args()
    workers = args.workers or parallel.worker_count()
    print(f"{os.cpu_count()} CPU(s); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind in ("edci", "ctdl"):
        for n in dict.fromkeys((1, workers)):
            run(kind, args.count, args.seed, n)


if __name__ == "__main__":
    main()
