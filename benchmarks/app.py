"""Benchmark: how fast ``itinerance app`` answers, and its memory with two plans running.

    uv run python benchmarks/app.py [--time-limit 30] [--no-browser]

Starts ``itinerance app`` as a user would (a subprocess on a free loopback port) on a fresh
SQLite database in a temporary folder, then measures, each once, cold:

1. time to first page: from starting the command to the first ``200`` of ``/``;
2. loading the Indre from the page's form (the worker pool, pinned data already on disk);
3. time to show the Indre coverage map: ``/territoires/36`` until the map page is served and,
   with Chromium (``/usr/bin/chromium``), until the browser has drawn its 241 communes;
4. time from "Planifier" to the plan's result page, for a van and five stops and for two vans
   and 19 stops (``scenarios/deux-vans-indre.toml``), with the ``--time-limit`` given;
5. resident memory of the server and its worker processes while two plans run at once.

Needs the pinned data (``ITINERANCE_DATA_DIR``). Prints the figures, then the command.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
FIVE = ("36124", "36160", "36140", "36180", "36009")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 1e6


def wait_job(client: httpx.Client, job_id: str, timeout: float = 900) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/taches/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise SystemExit(f"job {job_id} still running after {timeout} s")


def five_stops(time_limit: float) -> str:
    from planner.web.editor import NEW_SCENARIO

    text = NEW_SCENARIO.replace("time_limit = 30", f"time_limit = {time_limit:g}")
    return text + "".join(f'\n[[stops.list]]\ncommune = "{c}"\n' for c in FIVE)


def deux_vans(time_limit: float) -> str:
    text = (REPO / "scenarios" / "deux-vans-indre.toml").read_text(encoding="utf-8")
    return re.sub(r"(?m)^time_limit = \d+", f"time_limit = {time_limit:g}", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="itinerance-app-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ITINERANCE_DB": f"sqlite:///{tmp / 'app.sqlite'}"}
    command = ["uv", "run", "itinerance", "app", "--port", str(port), "--runs", str(tmp / "runs")]
    t0 = time.perf_counter()
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    try:
        client = httpx.Client(base_url=base, timeout=600)
        while True:
            try:
                if client.get("/").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        first_page = time.perf_counter() - t0
        csrf = client.get("/api/session").json()["csrf_token"]
        headers = {"X-CSRF-Token": csrf}

        t = time.perf_counter()
        job = client.post("/api/territoires/charger", json={"departement": "36"}, headers=headers)
        wait_job(client, job.json()["id"])
        load_s = time.perf_counter() - t

        t = time.perf_counter()
        assert client.get("/territoires/36").status_code == 200
        assert client.get("/territoires/36/carte").status_code == 200
        map_served = time.perf_counter() - t
        t = time.perf_counter()
        client.get("/territoires/36")
        client.get("/territoires/36/carte")
        map_again = time.perf_counter() - t
        map_drawn = None if args.no_browser else browser_map_seconds(base)

        plans = {}
        for label, text in (
            ("1 van, 5 stops", five_stops(args.time_limit)),
            ("2 vans, 19 stops + 40 candidates", deux_vans(args.time_limit)),
        ):
            saved = client.post(
                "/api/scenarios", json={"toml": text, "author": "bench"}, headers=headers
            )
            key = saved.json()["key"]
            t = time.perf_counter()
            job = client.post(f"/api/scenarios/{key}/planifier", headers=headers).json()
            done = wait_job(client, job["id"])
            page = client.get(f"/plans/{job['id']}")
            summary = client.get(f"/api/plans/{job['id']}").json()["summary"] or {}
            first = summary.get("first_plan_seconds")
            valid = "Plan valide" in page.text
            plans[label] = (time.perf_counter() - t, done["state"], valid, key, first)

        idle = tree_rss_mb(server.pid)
        ids = [
            client.post(f"/api/scenarios/{plans[k][3]}/planifier", headers=headers).json()["id"]
            for k in plans
        ]
        peak = idle
        while not all(
            client.get(f"/api/taches/{i}").json()["state"] in ("done", "failed") for i in ids
        ):
            peak = max(peak, tree_rss_mb(server.pid))
            time.sleep(0.5)
        two_running = peak
    finally:
        server.terminate()
        server.wait(timeout=60)

    print(
        f"date {date.today()} · {platform.node()} · {os.cpu_count()} cores · "
        f"python {platform.python_version()}"
    )
    print(f"time to first page (command start to / served): {first_page:.1f} s")
    print(f"loading the Indre (job, worker): {load_s:.1f} s")
    print(
        f"Indre coverage map, cold (page + map served): {map_served:.1f} s; "
        f"again: {map_again:.2f} s"
    )
    if map_drawn is not None:
        print(f"Indre coverage map drawn in Chromium (241 communes), map cached: {map_drawn:.1f} s")
    for label, (seconds, state, valid, _key, first) in plans.items():
        print(
            f"Planifier → result page, {label}, time limit {args.time_limit:g} s: "
            f"{seconds:.1f} s ({state}, valid: {valid}); engine's first complete plan after "
            f"{first} s of search"
        )
    print(
        f"memory of server + workers: idle after plans {idle:.0f} MB, "
        f"two plans running {two_running:.0f} MB"
    )
    print("command: uv run python benchmarks/app.py " + " ".join(sys.argv[1:]))


def browser_map_seconds(base: str) -> float | None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), args=["--headless", "--no-sandbox"]
        )
        page = browser.new_page()
        t = time.perf_counter()
        page.goto(base + "/territoires/36")
        frame = page.frame_locator("iframe.map")
        frame.locator("path.itin-commune").nth(240).wait_for(state="attached", timeout=120_000)
        seconds = time.perf_counter() - t
        browser.close()
    return seconds


if __name__ == "__main__":
    main()
