"""CLI command ``itinerance bench``: run the engine on routing benchmark instances.

``itinerance bench solomon|pvrp FILES... --time-limit S [--seed N] [--format table|json]`` reads
each instance (Solomon text or VRPLIB; Cordeau's periodic format), solves it, checks the plan with
the independent validator and prints, per instance, the cost, the gap to the best-known value
when there is one, the time and whether the plan is valid; ``--format json`` adds the routes.
It is thin: reading, solving and checking live in :mod:`planner.instances`,
:mod:`planner.engine` and :mod:`planner.tours.validator`.
"""

from __future__ import annotations

import enum
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from planner.cli.app import app
from planner.cli.common import console, err_console


class BenchKind(str, enum.Enum):
    solomon = "solomon"
    pvrp = "pvrp"


class BenchFormat(str, enum.Enum):
    table = "table"
    json = "json"


def run_instance(
    kind: str, path: Path, time_limit: float, seed: int, deterministic: bool, progress=None
) -> dict:
    """Solve one instance and validate the plan; a JSON-ready record."""
    from planner.engine import SolveOptions, get_engine
    from planner.errors import InfeasibleError
    from planner.instances.cordeau import read_cordeau
    from planner.instances.solomon import read_solomon
    from planner.tours.validator import validate

    inst = read_solomon(path) if kind == "solomon" else read_cordeau(path)
    engine = get_engine()
    options = SolveOptions(time_limit=time_limit, seed=seed, deterministic=deterministic)
    t0 = time.perf_counter()
    status = "ok"
    try:
        plan = engine.solve(inst.problem, options, progress=progress)
    except InfeasibleError as exc:
        plan = getattr(exc, "plan", None)
        status = f"infeasible: {exc}"
        if plan is None:
            raise
    seconds = time.perf_counter() - t0
    report = validate(inst.problem, plan)
    cost = report.figures.km  # distance-only objective on both benchmark sets
    gap = inst.gap(cost)
    return {
        "instance": inst.name,
        "kind": kind,
        "file": str(path),
        "customers": len(inst.problem.stops),
        "cost": round(cost, 4),
        "best_known": inst.best_known,
        "gap_percent": None if gap is None else round(100 * gap, 4),
        "seconds": round(seconds, 3),
        "valid": report.ok,
        "violations": report.lines(5),
        "status": status,
        "routes": [
            {"vehicle": r.vehicle, "day": r.day, "stops": [v.stop for v in r.visits]}
            for r in sorted(plan.routes, key=lambda r: (r.day, r.vehicle))
        ],
        "unserved": plan.unserved,
        "seed": seed,
        "time_limit": time_limit,
        "engine": plan.meta.engine,
        "figures": plan.meta.figures or {},
    }


@app.command("bench")
def bench(
    kind: Annotated[
        BenchKind, typer.Argument(help="Instance family: solomon (VRPTW) or pvrp (Cordeau).")
    ],
    files: Annotated[list[Path], typer.Argument(help="Instance files.", exists=False)],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.01, help="Seconds per instance.")
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the search.")] = 0,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="Fixed work budget instead of wall-clock (same plan on every run).",
        ),
    ] = False,
    output: Annotated[
        BenchFormat, typer.Option("--format", help="table or json.")
    ] = BenchFormat.table,
) -> None:
    """Run the engine on benchmark instances: cost, gap to best-known, time, validity."""
    from planner.engine.progress import live_progress

    records = []
    for path in files:
        with live_progress(path.name, time_limit, err_console) as progress:
            records.append(
                run_instance(kind.value, path, time_limit, seed, deterministic, progress)
            )
    if output == BenchFormat.json:
        console.print_json(json.dumps(records, ensure_ascii=False))
        return
    table = Table(
        title=f"itinerance bench {kind.value} — {time_limit:g} s per instance, seed {seed}"
    )
    for col in ("instance", "customers", "cost", "best known", "gap %", "seconds", "valid"):
        table.add_column(col, justify="left" if col == "instance" else "right")
    for rec in records:
        table.add_row(
            rec["instance"],
            str(rec["customers"]),
            f"{rec['cost']:.2f}",
            "—" if rec["best_known"] is None else f"{rec['best_known']:.2f}",
            "—" if rec["gap_percent"] is None else f"{rec['gap_percent']:.2f}",
            f"{rec['seconds']:.1f}",
            "yes" if rec["valid"] else "NO",
        )
    gaps = [r["gap_percent"] for r in records if r["gap_percent"] is not None]
    console.print(table)
    if gaps:
        console.print(
            f"mean gap {sum(gaps) / len(gaps):.2f} % over {len(gaps)} instances; "
            f"{sum(r['valid'] for r in records)}/{len(records)} plans valid"
        )
    for rec in records:
        if not rec["valid"]:
            err_console.print(
                Text.assemble(
                    (f"{rec['instance']}: invalid plan", "red"), ": " + "; ".join(rec["violations"])
                )
            )
