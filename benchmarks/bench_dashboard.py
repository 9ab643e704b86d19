"""Benchmark the policy dashboard in a real headless browser: page loads and filter changes, per page.

python benchmarks/bench_dashboard.py --warehouse /tmp/pd-medium.duckdb [--rounds 3] [--json out.json]

Starts `streamlit run dashboard/app.py` on the warehouse, drives Debian's Chromium with Playwright and,
for every page, measures
  - cold load: the first visit after the server started (caches empty), from navigation (`goto`) until
    the page is fully rendered: the script run finished, nothing stale, every chart drawn;
  - navigation: clicking the page in the menu (the way a visitor moves between pages; median);
  - warm load: the same as cold, for a new visitor once the caches hold the page (median of --rounds);
  - filter change: choosing a country in the sidebar on the loaded page, until the new figures are fully
    rendered (first use of that filter, so the engine computes it: median over --rounds countries).
  - the map: the Adoption page's explorer on ADO-1 with its Map tab opened (per 1,000 adults by
    region), cold and warm, the switch to counts and back, a country filter, and the time to build the
    chart's spec in Python (`--map-only` measures just the map).
Charts in a tab that is not open are not drawn until it opens, so "every chart drawn" counts the
charts on show.
Targets (issue 13): a page warm within 1.5 s, cold (first visit after the server started) within
2.5 s, a filter change within 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from dashboard.pages import PAGES as ALL_PAGES  # noqa: E402  (the repository on the path first)

# url path, heading, navigation title (not the programmes and downloads pages)
PAGES = [(p.url_path, p.heading, p.title) for p in ALL_PAGES if p.name not in ("programmes", "downloads")]
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
# Rendered: no script running, nothing stale or still a skeleton, at least `n` charts, every chart
# drawn, and the page's elements unchanged since the previous poll (POLL_MS earlier), so a page whose
# run has not sent its last elements yet does not count as rendered.
POLL_MS = 50
RENDERED = """(n) => {
    const busy = document.querySelector(
        '[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"]');
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .filter(c => c.offsetParent !== null);
    const drawn = charts.filter(c => c.querySelector('svg.marks, canvas')).length;
    const shape = document.querySelectorAll('[data-testid="stElementContainer"]').length + ':' + drawn;
    const stable = window.__mcoShape === shape;
    window.__mcoShape = shape;
    return !busy && stable && charts.length >= n && drawn === charts.length;
}"""


# The map: the Adoption page's explorer on ADO-1, its Map tab opened.
MAP_PATH, MAP_HEADING = "adoption?ind=ADO-1", "Adoption"
VISIBLE_CHARTS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.offsetParent !== null).length"""
MAP_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.offsetParent !== null)
    .some(c => ((c.hasAttribute('aria-label') ? c : c.querySelector('[aria-label]'))
        ?.getAttribute('aria-label') || '').startsWith('Map.') && c.querySelector('svg.marks, canvas'))"""
TARGET_WARM, TARGET_COLD, TARGET_FILTER = 1.5, 2.5, 1.0
COUNTRY_FILTER = '[data-testid="stSidebar"] [data-testid="stMultiSelect"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(warehouse: Path, name: str) -> Iterator[str]:
    """The dashboard on `warehouse` on a free local port (log in /tmp/<name>_<port>.log): its base URL,
    the server stopped on the way out."""
    port = free_port()
    log = Path("/tmp") / f"{name}_{port}.log"
    env = {**os.environ, "MCO_WAREHOUSE": str(warehouse), "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_serving(proc, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_serving(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("streamlit did not start within 90 s")


def wait_rendered(page, charts: int, timeout: float = 60_000) -> None:
    page.evaluate("() => { window.__mcoShape = null; }")
    page.wait_for_function(RENDERED, arg=charts, timeout=timeout, polling=POLL_MS)


def load(page, url: str, heading: str, charts: int) -> float:
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    wait_rendered(page, charts)
    return time.perf_counter() - start - POLL_MS / 1000  # the last poll only confirmed stability


def navigate(page, title: str, heading: str, charts: int) -> float:
    """Follow the navigation link to a page (in the menu of pages that did not fit, if there); seconds
    from the click until the page is fully rendered."""
    link = page.get_by_role("link", name=title, exact=True).locator("visible=true")
    if not link.count():
        page.get_by_text(re.compile(r"^\d+ more$")).locator("visible=true").first.click()
        link = page.get_by_role("menuitem", name=title, exact=True)
        link.first.wait_for(timeout=10_000)
    start = time.perf_counter()
    link.first.click()
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    wait_rendered(page, charts)
    return time.perf_counter() - start - POLL_MS / 1000


def change_country(page, code: str, charts: int) -> float:
    """Pick a country in the sidebar's country filter; seconds until the new view is fully rendered."""
    page.locator(COUNTRY_FILTER).first.click()
    option = page.locator('[role="option"]', has_text=re.compile(rf"^{code}\b")).first
    option.wait_for(timeout=10_000)
    start = time.perf_counter()
    option.click()
    page.wait_for_url(re.compile(rf"country={code}"), timeout=30_000)
    page.get_by_text(re.compile(rf"· {code} ·")).first.wait_for(timeout=30_000)
    wait_rendered(page, charts)
    seconds = time.perf_counter() - start - POLL_MS / 1000
    page.keyboard.press("Escape")
    return seconds


def open_map(page, timeout: float = 60_000) -> float:
    """Open the explorer's Map tab; seconds until the map (and everything else on show) is drawn."""
    start = time.perf_counter()
    page.get_by_role("tab", name="Map").first.click()
    page.wait_for_function(MAP_DRAWN, timeout=timeout, polling=POLL_MS)
    wait_rendered(page, page.evaluate(VISIBLE_CHARTS))
    return time.perf_counter() - start - POLL_MS / 1000


def load_map(page, url: str) -> float:
    """Open the Adoption page's link and its Map tab: seconds until the map is drawn."""
    return load(page, url, MAP_HEADING, 1) + open_map(page)


def switch_measure(page, label: str, subtitle: str) -> float:
    """Click the map's per 1,000 / count switch; seconds until the redrawn map shows `subtitle`."""
    start = time.perf_counter()
    page.get_by_role("radio", name=label, exact=True).click()
    page.locator("svg text", has_text=subtitle).first.wait_for(timeout=30_000)
    wait_rendered(page, 1)
    return time.perf_counter() - start - POLL_MS / 1000


def map_spec_seconds(warehouse: Path, rounds: int) -> dict[str, float]:
    """Python only: the published cells, the per-1,000 rates and the chart's spec (median seconds)."""
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # no "no runtime" warnings from caches
    from dashboard import maps
    from pipelines.indicators import engine, per_capita_map
    from pipelines.indicators.registry import get

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            "select * from pub_indicator_cube where indicator_id = 'ADO-1' and breakdown = 'region'"
        ).pl()
        population = per_capita_map.region_population(con)
        start = time.perf_counter()
        engine.published(engine.compute(con, ("ADO-1",), "region", engine.Filters(countries=("NL",))))
        filtered = time.perf_counter() - start
    start = time.perf_counter()
    maps.boundaries()
    first = time.perf_counter() - start
    builds, specs = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        chart = maps.region_map(
            per_capita_map.per_thousand(rows, population), get("ADO-1"), {}, unit="per 1,000"
        )
        builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        spec = json.dumps(chart.to_dict())
        specs.append(time.perf_counter() - start)
    return {
        "boundaries_first_read_s": round(first, 3),
        "chart_build_s": round(statistics.median(builds), 3),
        "chart_to_json_s": round(statistics.median(specs), 3),
        "spec_kib": round(len(spec) / 1024, 1),
        "engine_region_filtered_s": round(filtered, 3),
    }


def bench_map(warehouse: Path, chromium: str, rounds: int, countries: list[str]) -> dict[str, object]:
    """The map page in the browser: cold and warm loads, the measure switch and a country filter."""
    from playwright.sync_api import sync_playwright

    with served(warehouse, "bench_map") as base:
        url = f"{base}/{MAP_PATH}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                cold = load_map(page, url)
                page.close()
                warm, counts, rates, changes = [], [], [], []
                for n in range(rounds):
                    page = browser.new_page(viewport={"width": 1440, "height": 1000})
                    warm.append(load_map(page, url))
                    counts.append(switch_measure(page, "Count", "count · ADO-1"))
                    rates.append(switch_measure(page, "Per 1,000 adults", "per 1,000 residents"))
                    if n < len(countries):
                        changes.append(change_country(page, countries[n], 1))
                    page.close()
            finally:
                browser.close()
    return {
        "page": "map (ADO-1)",
        "cold_load_s": round(cold, 3),
        "warm_load_s": round(statistics.median(warm), 3),
        "switch_to_count_s": round(statistics.median(counts), 3),
        "switch_to_rate_s": round(statistics.median(rates), 3),
        "filter_change_s": round(statistics.median(changes), 3) if changes else None,
        "filter_change_max_s": round(max(changes), 3) if changes else None,
    }


def print_map(spec: dict[str, float], browser: dict[str, object] | None) -> None:
    print(
        f"map in Python: boundaries read {spec['boundaries_first_read_s']:.3f} s (once per process), chart "
        f"built {spec['chart_build_s']:.3f} s, spec to JSON {spec['chart_to_json_s']:.3f} s "
        f"({spec['spec_kib']:.0f} KiB); engine, ADO-1 by region for one country: "
        f"{spec['engine_region_filtered_s']:.3f} s"
    )
    if browser:
        b = browser
        print(
            f"map in the browser: cold load {b['cold_load_s']:.2f} s, warm load {b['warm_load_s']:.2f} s, "
            f"switch to count {b['switch_to_count_s']:.2f} s and back {b['switch_to_rate_s']:.2f} s, "
            f"country filter {b['filter_change_s'] or 0:.2f} s (max {b['filter_change_max_s'] or 0:.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3, help="warm loads and filter changes per page")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--map-only", action="store_true", help="only the map (Python and browser)")
    parser.add_argument("--no-map", action="store_true", help="leave the map out")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        awards = con.execute("select count(*) from mart_award").fetchone()[0]
        countries = [
            r[0]
            for r in con.execute(
                "select country_code from mart_award group by 1 order by count(*) desc"
            ).fetchall()
        ]
    chromium = os.environ.get("MCO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    map_result = None
    if not args.no_map:
        map_spec = map_spec_seconds(args.warehouse, args.rounds)
        map_result = bench_map(args.warehouse.resolve(), chromium, args.rounds, countries)
        map_result["python"] = map_spec
        if args.map_only:
            print_map(map_spec, map_result)
            if args.json:
                args.json.write_text(json.dumps({"awards": awards, "map": map_result}, indent=1) + "\n")
            return
    results = []
    with served(args.warehouse.resolve(), "bench_dashboard") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            # the browser's own first start (fonts, JS bundle) is not the dashboard's: warm it up
            warm = browser.new_page()
            warm.goto(f"{base}/methodology", wait_until="load")
            warm.wait_for_selector("h1:has-text('Methodology')", timeout=60_000)
            warm.close()
            charts_on: dict[str, int] = {}
            for path, heading, _ in PAGES:
                url = f"{base}/{path}"
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                cold = load(page, url, heading, 0)
                charts_on[path] = page.evaluate(VISIBLE_CHARTS)
                page.close()
                results.append({"page": path or "overview", "charts": charts_on[path], "cold_load_s": cold})
            navigations: dict[str, list[float]] = {path: [] for path, _, _ in PAGES}
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            load(page, f"{base}/methodology", "Methodology", 0)
            for _ in range(args.rounds):
                for path, heading, title in PAGES:
                    navigations[path].append(navigate(page, title, heading, charts_on[path]))
            page.close()
            for result, (path, heading, _) in zip(results, PAGES, strict=True):
                url = f"{base}/{path}"
                charts = charts_on[path]
                warm_loads = []
                for _ in range(args.rounds):
                    page = browser.new_page(viewport={"width": 1440, "height": 1000})
                    warm_loads.append(load(page, url, heading, charts))
                    page.close()
                changes = []
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                load(page, url, heading, charts)
                if page.locator(COUNTRY_FILTER).count():  # not every page has the filters
                    for code in countries[: args.rounds]:
                        changes.append(change_country(page, code, charts))
                        page.goto(url, wait_until="commit")  # back to no filter for the next one
                        page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
                        wait_rendered(page, charts)
                page.close()
                result.update(
                    {
                        "cold_load_s": round(result["cold_load_s"], 3),
                        "navigation_s": round(statistics.median(navigations[path]), 3),
                        "navigation_max_s": round(max(navigations[path]), 3),
                        "warm_load_s": round(statistics.median(warm_loads), 3),
                        "filter_change_s": round(statistics.median(changes), 3) if changes else None,
                        "filter_change_max_s": round(max(changes), 3) if changes else None,
                    }
                )
        finally:
            browser.close()

    print(f"warehouse {args.warehouse} ({awards:,} awards), {os.cpu_count()} CPU(s), {args.rounds} round(s)")
    print("seconds until fully rendered; navigation = clicking the page in the menu (median, max);")
    print("load = opening the page's link in a new tab (cold: first visit after start; warm: median);")
    print("filter = choosing a country in the sidebar (first use of that filter: median, max)")
    head = ("page", "charts", "navigation", "max", "cold load", "warm load", "filter", "max")
    print(
        f"{head[0]:<14}{head[1]:>7}{head[2]:>12}{head[3]:>7}{head[4]:>11}{head[5]:>11}{head[6]:>9}{head[7]:>7}"
    )
    for r in results:
        change = "" if r["filter_change_s"] is None else f"{r['filter_change_s']:.2f}"
        change_max = "" if r["filter_change_max_s"] is None else f"{r['filter_change_max_s']:.2f}"
        print(
            f"{r['page']:<14}{r['charts']:>7}{r['navigation_s']:>12.2f}{r['navigation_max_s']:>7.2f}"
            f"{r['cold_load_s']:>11.2f}{r['warm_load_s']:>11.2f}{change:>9}{change_max:>7}"
        )
    if map_result is not None:
        print_map(map_result["python"], map_result)
    timed = results + ([map_result] if map_result is not None else [])
    slow = [r["page"] for r in results if r["navigation_s"] > TARGET_WARM]
    slow_loads = [r["page"] for r in timed if r["warm_load_s"] > TARGET_WARM]
    slow_cold = [r["page"] for r in timed if r["cold_load_s"] > TARGET_COLD]
    slow_filters = [r["page"] for r in timed if (r["filter_change_s"] or 0) > TARGET_FILTER]

    def verdict(pages: list[str]) -> str:
        return "met" if not pages else "missed on " + ", ".join(pages)

    print(
        f"target warm within {TARGET_WARM} s: navigation {verdict(slow)}; "
        f"opening a link {verdict(slow_loads)}"
    )
    print(f"target cold (first visit after start) within {TARGET_COLD} s: {verdict(slow_cold)}")
    print(f"target filter change within {TARGET_FILTER} s: {verdict(slow_filters)}")
    if args.json:
        out = {"awards": awards, "pages": results, "map": map_result}
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
