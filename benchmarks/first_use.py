"""Benchmark: the first `itinerance plan` on a machine, where numba has not compiled the kernel.

    uv run python benchmarks/first_use.py [--scenario scenarios/rurlinette-optimisee.toml]
        [--time-limit 10] [--skip-wait]

Each run uses a fresh, empty numba cache folder (``NUMBA_CACHE_DIR``), as a new machine has:

1. ``plan`` as users run it (the uncompiled kernel plans while a detached process compiles);
2. the same command once that background compilation has finished (the usual runs);
3. unless ``--skip-wait``, ``plan`` with ``ITINERANCE_WHILE_COMPILING=wait`` in another fresh
   cache: what the first run cost before (compile, then plan).

Prints per run: wall seconds until the plan is printed, CPU seconds of the command and of the
processes it waited for (the detached compiler is not counted: it is reported separately as the
time until its cache is written), whether the plan is valid, the kernel and the search
iterations, and the stops served. Needs the territory database of the scenario
(``itinerance data load``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

LOCK = "itinerance-compiling.lock"


def run_plan(scenario: str, time_limit: float, cache: Path, wait: bool) -> dict:
    out = cache / "plan.json"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    env["ITINERANCE_WHILE_COMPILING"] = "wait" if wait else "interpret"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        ["itinerance", "plan", scenario, "--time-limit", str(time_limit), "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    row = {"exit": done.returncode, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}
    if done.returncode == 0:
        meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
        figures = meta.get("figures", {})
        row.update(
            valid=meta.get("validation", {}).get("ok"),
            kernel=figures.get("kernel", "compiled"),
            iterations=figures.get("iterations"),
            served=f"{figures.get('stops_served')}/{figures.get('stops_total')}",
        )
    else:
        row["stderr"] = done.stderr.strip().splitlines()[-1:]
    return row


def wait_for_compiler(cache: Path, since: float, limit: float = 900.0) -> float | None:
    """Seconds from ``since`` until the background compiler removed its lock."""
    locks = list(cache.rglob(LOCK))
    while locks and any(p.exists() for p in locks):
        if time.perf_counter() - since > limit:
            return None
        time.sleep(1.0)
    return round(time.perf_counter() - since, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="scenarios/rurlinette-optimisee.toml")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--skip-wait", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as first:
        cache = Path(first)
        t0 = time.perf_counter()
        rows.append(
            ("first run (plans uncompiled)", run_plan(args.scenario, args.time_limit, cache, False))
        )
        time.sleep(2.0)  # let the detached compiler write its lock if it has not yet
        compiled_after = wait_for_compiler(cache, t0)
        rows.append(("background compilation done after (s)", {"wall_s": compiled_after}))
        rows.append(("next run", run_plan(args.scenario, args.time_limit, cache, False)))
    if not args.skip_wait:
        with tempfile.TemporaryDirectory() as other:
            rows.append(
                (
                    "first run, waiting for compilation",
                    run_plan(args.scenario, args.time_limit, Path(other), True),
                )
            )
    print(
        f"# {date.today()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"load {os.getloadavg()[0]:.1f} · {args.scenario} · time limit {args.time_limit:g} s"
    )
    for name, row in rows:
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
    print("command: uv run python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]))


if __name__ == "__main__":
    main()
