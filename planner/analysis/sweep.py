"""Parameter sweeps: every combination of a few scenario variables, planned in parallel on the
local cores or on a Dask cluster with the same results, and the cost–coverage Pareto front.

A sweep starts from one scenario file and varies named **variables** (:data:`VARIABLES`:
``vehicles``, ``threshold``, ``frequency``…), each mapped to scenario keys through
:meth:`ScenarioFile.with_values`. Every combination (the Cartesian product, first variable slowest)
is planned with :func:`planner.scenario.pipeline.plan_scenario` in the engine's **deterministic
mode** with an explicit work budget (an iteration count, not wall-clock time), so a point's plan
does not depend on which process, machine or cluster solved it, nor on how loaded it was. Its
figures (yearly cost, population and IFN-weighted population covered, hours of presence…) come from
the comparison module (:func:`planner.analysis.compare.measure`, with the cost model of
:mod:`planner.analysis.costs`): the sweep holds no cost model of its own.

Execution always goes through Dask: a :class:`dask.distributed.LocalCluster` of worker
processes by default, or the cluster whose scheduler address is given. Workers receive the
scenario's text (not its path) and run :func:`evaluate_point`; they import this module and the
planner, never the CLI nor :mod:`maps`. A combination that fails (an invalid scenario, an
infeasible problem, a plan the validator rejects) becomes an :class:`Outcome` with its reason;
it never stops the sweep.

The front minimises the yearly cost and maximises coverage (:data:`AXES`: the population within
the threshold of human help, the same weighted by the IFN, the hours of presence, or the need of
the optional stops served). A point is on the front
when no other successful point costs no more and covers no less while being strictly better on
one of the two; points with equal figures are all on the front.

This module prints nothing and writes no output (a worker without the scenario file only copies
its text to a temporary folder, since plans hash their scenario file); ``planner/cli/sweep.py``
shows and writes, and ``maps/sweep_report.py`` draws. It must not import the CLI nor
:mod:`maps`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geodata.errors import ItineranceError
from planner.analysis.variables import _FREQUENCY_FR, VARIABLES, Variable
from planner.engine.base import SolveOptions
from planner.errors import InfeasibleError, ScenarioError
from planner.files import csv_text
from planner.french import number_fr, short_number_fr, spreadsheet_number
from planner.scenario.context import database_url
from planner.scenario.files import ScenarioFile, parse_scenario
from planner.scenario.provenance import provenance

__all__ = [
    "AXES",
    "FIGURES",
    "STATUS_FR",
    "VARIABLES",
    "Axis",
    "Column",
    "Outcome",
    "Sweep",
    "SweepError",
    "Variable",
    "cell",
    "cell_text",
    "columns",
    "combinations",
    "default_axis",
    "evaluate_point",
    "label_fr",
    "mark_front",
    "pareto_front",
    "parse_variations",
    "plan_tasks",
    "point_options",
    "run_sweep",
    "scenario_keys",
    "best_so_far_fr",
    "to_csv",
    "value_fr",
    "work_budget",
]


class SweepError(ItineranceError):
    """A sweep cannot run: unknown variable, bad value, unreachable scheduler."""


# --- variables ----------------------------------------------------------------------------------


def _unknown(name: str) -> SweepError:
    return SweepError(f"--vary {name}: unknown variable; expected one of: {', '.join(VARIABLES)}")


def parse_variations(texts: Sequence[str]) -> dict[str, list[Any]]:
    """``["vehicles=1,2", "frequency=monthly,fortnightly"]`` → ``{"vehicles": [1, 2], …}``.

    SweepError (one line) for a malformed option, an unknown variable (listing the valid ones),
    a bad value (saying what was expected), a variable given twice or a repeated value.
    """
    out: dict[str, list[Any]] = {}
    for text in texts:
        name, sep, values = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SweepError(
                f"--vary {text!r}: expected NAME=VALUE[,VALUE…] such as vehicles=1,2,3; "
                f"variables: {', '.join(VARIABLES)}"
            )
        var = VARIABLES.get(name)
        if var is None:
            raise _unknown(name)
        if name in out:
            raise SweepError(f"--vary {name}: given twice; list every value in one option")
        parts = [p.strip() for p in values.split(",")]
        if not values.strip() or any(not p for p in parts):
            raise SweepError(f"--vary {name}={values}: expected comma-separated values, none empty")
        parsed = []
        for part in parts:
            try:
                value = var.parse(part)
            except ValueError as exc:
                raise SweepError(f"--vary {name}={values}: {exc}") from None
            if value in parsed:
                raise SweepError(f"--vary {name}={values}: {part!r} is given twice")
            parsed.append(value)
        out[name] = parsed
    if not out:
        raise SweepError(f"give at least one --vary NAME=VALUES; variables: {', '.join(VARIABLES)}")
    return out


def combinations(variations: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values (Cartesian product), the first variable varying slowest."""
    names = list(variations)
    return [dict(zip(names, combo)) for combo in itertools.product(*variations.values())]


def scenario_keys(f: ScenarioFile, values: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario keys (for :meth:`ScenarioFile.with_values`) a combination sets.

    ValueError with a message when a variable cannot apply to this scenario.
    """
    keys: dict[str, Any] = {}
    for name, value in values.items():
        try:
            keys.update(VARIABLES[name].keys(f, value))
        except KeyError:
            raise _unknown(name) from None
    return keys


def check_values(f: ScenarioFile, variations: Mapping[str, Sequence[Any]]) -> None:
    """SweepError when one value, applied alone to the scenario, already makes it invalid
    (``vehicles=60``, ``candidates=5`` without ``[candidates]``…). Combinations that are invalid
    only together (a fortnightly frequency in a 1-week cycle) are reported by the sweep instead."""
    for name, values in variations.items():
        for value in values:
            try:
                f.with_values(scenario_keys(f, {name: value}))
            except (ValueError, ScenarioError) as exc:
                raise SweepError(f"--vary {name}={value}: {exc}") from None


def label_fr(values: Mapping[str, Any]) -> str:
    """A combination in short French words: ``"2 véhicules, mensuel"``."""
    return ", ".join(VARIABLES[name].short_fr(v) for name, v in values.items())


# --- solving one point ----------------------------------------------------------------------------

# Wall-clock safety net of a deterministic solve, as a multiple of its nominal budget in seconds,
# with a floor: the engine stops at its iteration budget long before on any machine that is not
# starved (a 2-core machine running a dozen other processes gave a point a sixth of a core).
# Hitting the net is recorded (``budget_cut``): only then could two runs disagree.
SAFETY_FACTOR = 100.0
SAFETY_FLOOR_SECONDS = 1800.0


def work_budget(seconds: float) -> int:
    """The search's iteration budget for ``seconds`` of nominal search (the periodic engine's
    ``iterations_per_second``, the conversion its own deterministic mode uses)."""
    from planner.engine.periodic import Tuning

    return max(1, round(seconds * Tuning().iterations_per_second))


def point_options(f: ScenarioFile, iterations: int | None = None) -> SolveOptions:
    """Deterministic options of one point: the scenario's seed, an iteration budget (given, or
    from ``[solver] time_limit``) and a generous wall-clock safety net."""
    s = f.scenario.solver
    budget = iterations if iterations is not None else work_budget(s.time_limit)
    net = max(SAFETY_FACTOR * s.time_limit, SAFETY_FLOOR_SECONDS)
    return SolveOptions(
        time_limit=net, seed=s.seed, deterministic=True, threads=1, iterations=budget
    )


# Figures every outcome carries, from planner.analysis.compare (None when the point failed or the
# figure is unknown: coverage needs the territory database, so a standalone scenario has none), with
# their French label, unit, decimals and short label (terminal). "Human help" is a fixed France
# Services, a lieu de médiation or a stop of the plan within the coverage threshold.
FIGURES: dict[str, tuple[str, str, int, str]] = {
    # planner.analysis.costs: vehicles spread over their life, upkeep, fuel, staff hours, kiosks
    "cost_per_year": ("Coût annuel", "€", 0, "Coût/an (€)"),
    # the same net of the known public aid to a France Services bus
    "cost_per_year_with_aid": ("Coût annuel net des aides", "€", 0, "Coût net/an (€)"),
    # inhabitants within the threshold of human help with the scenario, and those it brings
    "population_covered": (
        "Population à portée d'une aide humaine",
        "habitants",
        0,
        "Pop. couverte",
    ),
    "population_newly_covered": ("Population nouvellement à portée", "habitants", 0, "Pop. gagnée"),
    # the same weighted by the IFN (population × IFN)
    "need_covered": (
        "Population × IFN à portée d'une aide humaine",
        "habitants × IFN",
        0,
        "Pop.×IFN couverte",
    ),
    "need_newly_covered": (
        "Population × IFN nouvellement à portée",
        "habitants × IFN",
        0,
        "Pop.×IFN gagnée",
    ),
    # hours of permanence at the stops, an average month
    "presence_hours_per_month": ("Présence par mois", "h", 1, "Présence (h/mois)"),
    # need served: need × gain of service level, each commune once (planner.tours.value)
    "value_served": (
        "Besoin servi (chaque commune une fois)",
        "habitants × IFN",
        0,
        "Besoin servi",
    ),
    # expected visitors per year, low and high of the range (planner.analysis.visitors)
    "visitors_low": ("Visiteurs attendus par an (bas)", "visiteurs", 0, "Visiteurs (bas)"),
    "visitors_high": ("Visiteurs attendus par an (haut)", "visiteurs", 0, "Visiteurs (haut)"),
    # yearly cost ÷ expected visitors (high of the range, then low)
    "cost_per_visitor_low": ("Coût par visiteur attendu (bas)", "€", 0, "€/visiteur (bas)"),
    "cost_per_visitor_high": ("Coût par visiteur attendu (haut)", "€", 0, "€/visiteur (haut)"),
    "communes_served": ("Communes desservies", "", 0, "Communes"),
    "vehicles": ("Véhicules", "", 0, "Véhicules"),
    "km_per_month": ("Kilomètres par mois", "km", 0, "km/mois"),
    "drive_hours_per_month": ("Conduite par mois", "h", 1, "Conduite (h/mois)"),
    "staff_hours_per_year": ("Heures d'agents par an", "h", 0, "Agents (h/an)"),
    "co2_kg_per_year": ("CO2 par an", "kg", 0, "CO2 (kg/an)"),
    "stops_served": ("Arrêts desservis", "", 0, "Arrêts"),
    "stops_total": ("Arrêts possibles", "", 0, "Arrêts possibles"),
    "mandatory_served": ("Arrêts obligatoires desservis", "", 0, "Obligatoires"),
    "mandatory_total": ("Arrêts obligatoires", "", 0, "Obligatoires (total)"),
    # the engine's objective (lower is better)
    "objective": ("Objectif du moteur", "", 1, "Objectif"),
}

STATUS_FR = {
    "ok": "réalisé",
    "infeasible": "infaisable",
    "scenario": "combinaison invalide",
    "violations": "plan refusé par le vérificateur",
    "error": "erreur",
}


@dataclass
class Outcome:
    """One combination of a sweep and what came of it. Plain values only (picklable, JSON-ready).

    ``status``: ``"ok"``, ``"infeasible"`` (no plan serves every mandatory stop),
    ``"scenario"`` (the combination makes an invalid scenario), ``"violations"`` (the validator
    rejected the plan) or ``"error"`` (any other user-level error, e.g. a missing database);
    ``reason`` says why, on one line. ``plan_sha256`` fingerprints the routes (not the
    provenance), so two runs can be compared exactly. ``front`` is set by :func:`run_sweep`.
    ``seconds`` is the only figure that depends on the machine; it is left out of comparisons.
    """

    index: int
    values: dict[str, Any]
    status: str = "ok"
    reason: str = ""
    figures: dict[str, float | int | None] = field(default_factory=dict)
    seed: int | None = None
    iterations: int | None = None
    budget_cut: bool = False
    plan_sha256: str | None = None
    front: bool = False
    seconds: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def figure(self, name: str) -> float | None:
        value = self.figures.get(name)
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _plan_fingerprint(plan: Any) -> str:
    data = plan.to_dict()
    data.pop("meta", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _figures(planned: Any, db: str | None) -> dict[str, float | int | None]:
    """A planned point's figures (:data:`FIGURES`), from
    :func:`planner.analysis.compare.measure`."""
    from planner.analysis.compare import measure

    m = measure(planned, db=db).figures
    cov, fig = m.coverage, planned.report.figures
    metrics = m.metrics()

    def r(value: float | None, digits: int) -> float | None:
        return None if value is None else round(float(value), digits)

    return {
        "cost_per_year": r(m.costs.total, 2),
        "cost_per_year_with_aid": r(m.costs.total_with_aid, 2),
        "population_covered": None if cov is None else cov.covered_after,
        "population_newly_covered": None if cov is None else cov.newly_covered,
        "need_covered": None if cov is None else r(cov.need_covered_after, 3),
        "need_newly_covered": None if cov is None else r(cov.need_newly_covered, 3),
        "presence_hours_per_month": r(m.service.presence_hours_per_month, 3),
        "value_served": r(fig.value, 3),
        "communes_served": m.service.communes_served,
        "vehicles": m.operations.vehicles,
        "km_per_month": r(fig.km_per_month, 3),
        "drive_hours_per_month": r(fig.drive_hours_per_month, 3),
        "staff_hours_per_year": r(metrics["staff_hours_year"], 3),
        "co2_kg_per_year": r(m.operations.co2_kg_per_year, 3),
        "stops_served": fig.stops_served,
        "stops_total": fig.stops_total,
        "mandatory_served": fig.mandatory_served,
        "mandatory_total": fig.mandatory_total,
        "objective": planned.plan.meta.objective,
        "visitors_low": metrics["visitors_low"],
        "visitors_high": metrics["visitors_high"],
        "cost_per_visitor_low": r(metrics["cost_per_visitor_low"], 2),
        "cost_per_visitor_high": r(metrics["cost_per_visitor_high"], 2),
    }


@contextmanager
def _scenario_path(text: str, path: str) -> Iterator[Path]:
    """Where the scenario's text is on this machine: ``path`` when it holds that text, else a
    copy under the same name in a temporary folder (a remote worker, or a file changed since
    the sweep started). Plans record the sha256 of their scenario file, so it must exist."""
    given = Path(path)
    try:
        same = given.is_file() and given.read_text(encoding="utf-8-sig") == text
    except (OSError, UnicodeDecodeError):
        same = False
    if same:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="itinerance-sweep-") as folder:
        copy = Path(folder) / (given.name or "scenario.toml")
        copy.write_text(text, encoding="utf-8")
        yield copy


def evaluate_point(
    text: str,
    path: str,
    index: int,
    values: dict[str, Any],
    keys: dict[str, Any],
    db: str | None,
    iterations: int | None,
) -> Outcome:
    """Plan one combination and compute its figures: what Dask workers run.

    ``text``/``path``: the base scenario's TOML and where it was read (for messages; the worker
    needs no copy of the file); ``keys``: the scenario keys the combination sets; ``db``: the
    database URL, already resolved by the caller. User-level errors become a failed
    :class:`Outcome`, never an exception; anything else is a bug and propagates.
    """
    from planner.scenario.pipeline import plan_scenario

    started = time.perf_counter()
    out = Outcome(index, dict(values))
    with _scenario_path(text, path) as here:
        try:
            f = parse_scenario(text, here).with_values(keys)
            options = point_options(f, iterations)
            out.seed, out.iterations = options.seed, options.iterations
            planned = plan_scenario(f, db=db, options=options)
            meta_figures = planned.plan.meta.figures or {}
            out.budget_cut = bool(meta_figures.get("budget_cut_by_time_limit", False))
            out.plan_sha256 = _plan_fingerprint(planned.plan)
            out.figures = _figures(planned, db)
            if not planned.report.ok:
                out.status = "violations"
                n = len(planned.report.violations)
                out.reason = f"{n} violation(s): {planned.report.violations[0].message}"
        except InfeasibleError as exc:
            out.status = "infeasible"
            first = exc.reasons[0] if exc.reasons else ""
            more = f" (and {len(exc.reasons) - 1} more)" if len(exc.reasons) > 1 else ""
            out.reason = f"{first}{more}" if first else str(exc)
        except ScenarioError as exc:
            out.status, out.reason = "scenario", str(exc)
        except ItineranceError as exc:
            out.status, out.reason = "error", str(exc)
        out.reason = out.reason.replace(str(here), path)
    out.seconds = round(time.perf_counter() - started, 3)
    return out


# --- the front ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """What the front maximises against the yearly cost: a figure of :data:`FIGURES`."""

    name: str
    figure: str
    needs_database: bool

    @property
    def label_fr(self) -> str:
        return FIGURES[self.figure][0]

    @property
    def unit_fr(self) -> str:
        return FIGURES[self.figure][1]


AXES: dict[str, Axis] = {
    a.name: a
    for a in (
        Axis("population", "population_covered", needs_database=True),
        Axis("need", "need_covered", needs_database=True),
        Axis("presence", "presence_hours_per_month", needs_database=False),
        Axis("value", "value_served", needs_database=False),
    )
}


def default_axis(f: ScenarioFile) -> str:
    """``population`` when the scenario has a territory database, else ``presence``."""
    return "presence" if f.scenario.data.standalone else "population"


def pareto_front(cost: Sequence[float], coverage: Sequence[float]) -> np.ndarray:
    """Boolean mask of the points no other point dominates (lower or equal cost and higher or
    equal coverage, strictly better on one). Equal points do not dominate each other: duplicates
    are all on the front. NaN values never dominate and are never on the front."""
    c = np.asarray(cost, dtype=np.float64)
    v = np.asarray(coverage, dtype=np.float64)
    if c.shape != v.shape or c.ndim != 1:
        raise ValueError("cost and coverage must be 1-D sequences of the same length")
    valid = np.isfinite(c) & np.isfinite(v)
    # dominated[i, j]: point j dominates point i
    no_worse = (c[None, :] <= c[:, None]) & (v[None, :] >= v[:, None])
    better = (c[None, :] < c[:, None]) | (v[None, :] > v[:, None])
    dominated = (no_worse & better & valid[None, :]).any(axis=1)
    return valid & ~dominated


# --- running a sweep ----------------------------------------------------------------------------


@dataclass
class Sweep:
    """A finished sweep: its variables and values, every outcome (in combination order, the
    front marked) and the provenance of the whole (``meta``)."""

    scenario: str  # the scenario's name
    variables: dict[str, list[Any]]
    axis: str  # key of AXES
    with_aid: bool  # the cost axis is the cost net of the known public aid
    outcomes: list[Outcome]
    meta: dict[str, Any]

    @property
    def coverage_figure(self) -> str:
        return AXES[self.axis].figure

    @property
    def cost_figure(self) -> str:
        return cost_figure(self.with_aid)

    @property
    def front(self) -> list[Outcome]:
        """The front's points, by increasing cost."""
        pts = [o for o in self.outcomes if o.front]
        return sorted(pts, key=lambda o: (o.figure(self.cost_figure), o.index))

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "variables": self.variables,
            "axis": self.axis,
            "cost_figure": self.cost_figure,
            "coverage_figure": self.coverage_figure,
            "points": [o.to_dict() | {"label": label_fr(o.values)} for o in self.outcomes],
            "meta": self.meta,
        }


def cost_figure(with_aid: bool) -> str:
    return "cost_per_year_with_aid" if with_aid else "cost_per_year"


def mark_front(outcomes: Sequence[Outcome], axis: str, *, with_aid: bool = False) -> None:
    """Set ``front`` on the successful outcomes the Pareto front keeps (cost rounded to the cent
    and coverage to 1e-6, so that float noise makes no difference)."""
    ok = [o for o in outcomes if o.ok]
    cost = [_rounded(o.figure(cost_figure(with_aid)), 2) for o in ok]
    cover = [_rounded(o.figure(AXES[axis].figure), 6) for o in ok]
    mask = pareto_front(cost, cover)
    for o in outcomes:
        o.front = False
    for o, on in zip(ok, mask):
        o.front = bool(on)


def _rounded(value: float | None, digits: int) -> float:
    return math.nan if value is None else round(value, digits)


ResultCallback = Callable[[Outcome, int, int], None]  # (outcome, done, total)


def _local_workers(requested: int | None, points: int) -> int:
    if requested is not None:
        if requested < 1:
            raise SweepError(f"--workers: expected at least 1, got {requested}")
        return requested
    return max(1, min(os.cpu_count() or 1, points))


def _client(scheduler: str | None, workers: int, connect_timeout: float) -> tuple[Any, Any]:
    """A Dask client (and the LocalCluster to close, when we started one)."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        if not re.match(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$", scheduler):
            raise SweepError(f"--scheduler {scheduler}: expected an address like tcp://host:8786")
        try:
            return Client(scheduler, timeout=connect_timeout), None
        except (OSError, TimeoutError, ValueError) as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise SweepError(
                f"--scheduler {scheduler}: cannot reach the Dask scheduler within "
                f"{connect_timeout:g} s ({detail[:160]})"
            ) from None
    # The scheduler's HTTP server on a free local port (8787, the dashboard's, may be taken).
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def plan_tasks(
    f: ScenarioFile, variations: Mapping[str, Sequence[Any]]
) -> tuple[list[tuple[int, dict[str, Any], dict[str, Any]]], list[Outcome]]:
    """The combinations to solve ``(index, values, scenario keys)``, and those already failed
    because their values make an invalid scenario together."""
    tasks, failed = [], []
    for i, values in enumerate(combinations(variations)):
        try:
            # The command line's overrides (--time-limit, --seed) first: a varied value wins.
            keys = {**f.overrides, **scenario_keys(f, values)}
            f.with_values(keys)
        except (ValueError, ScenarioError) as exc:
            failed.append(Outcome(i, dict(values), status="scenario", reason=str(exc)))
            continue
        tasks.append((i, values, keys))
    return tasks, failed


def run_sweep(
    f: ScenarioFile,
    variations: Mapping[str, Sequence[Any]],
    *,
    db: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    iterations: int | None = None,
    axis: str | None = None,
    with_aid: bool | None = None,
    on_result: ResultCallback | None = None,
    connect_timeout: float = 10.0,
) -> Sweep:
    """Plan every combination of ``variations`` of scenario ``f`` and mark the Pareto front.

    ``scheduler``: a Dask scheduler address (``tcp://host:8786``); None starts a
    :class:`LocalCluster` of ``workers`` processes (default: the cores, at most one per
    combination). ``iterations`` overrides every point's work budget (else each point's
    ``[solver] time_limit`` gives it, see :func:`work_budget`). ``axis``: a key of :data:`AXES`
    (default :func:`default_axis`); ``with_aid``: the cost net of the known public aid (default:
    the scenario's ``[costs] include_public_aid``). ``on_result(outcome, done, total)`` is called
    in this process as combinations finish. The outcomes are the same whatever runs them.
    """
    axis = axis or default_axis(f)
    if axis not in AXES:
        raise SweepError(f"--axis {axis}: expected one of: {', '.join(AXES)}")
    if AXES[axis].needs_database and f.scenario.data.standalone:
        raise SweepError(
            f"--axis {axis}: coverage needs the territory database and {f.path} is standalone; "
            "use --axis presence or --axis value"
        )
    if iterations is not None and iterations < 1:
        raise SweepError(f"--iterations: expected at least 1, got {iterations}")
    with_aid = f.scenario.costs.include_public_aid if with_aid is None else with_aid
    variations = {k: list(v) for k, v in variations.items()}
    for name in variations:
        if name not in VARIABLES:
            raise _unknown(name)
    check_values(f, variations)
    url = database_url(f, db)
    tasks, failed = plan_tasks(f, variations)
    total = len(tasks) + len(failed)
    outcomes: dict[int, Outcome] = {}

    def record(outcome: Outcome) -> None:
        outcomes[outcome.index] = outcome
        if on_result:
            on_result(outcome, len(outcomes), total)

    for outcome in failed:
        record(outcome)
    started = time.perf_counter()
    n_workers = 0
    if tasks:
        n_workers = _local_workers(workers, len(tasks)) if scheduler is None else 0
        client, cluster = _client(scheduler, n_workers, connect_timeout)
        try:
            from dask.distributed import as_completed

            if scheduler is not None:
                n_workers = len(client.scheduler_info().get("workers", {}))
            run_id = uuid.uuid4().hex[:12]
            futures = [
                client.submit(
                    evaluate_point,
                    f.text,
                    str(f.path),
                    i,
                    values,
                    keys,
                    url,
                    iterations,
                    pure=False,
                    key=f"itinerance-sweep-{run_id}-{i}",
                )
                for i, values, keys in tasks
            ]
            for future in as_completed(futures):
                record(future.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    ordered = [outcomes[i] for i in range(total)]
    mark_front(ordered, axis, with_aid=with_aid)
    meta = provenance(
        database=url,
        engine=f.scenario.solver.engine,
        seed=f.scenario.solver.seed,
        deterministic=True,
        time_limit=f.scenario.solver.time_limit,
    )
    # The text the workers planned, hashed as read (the file may have changed since).
    meta["inputs"] = [{"role": "scenario", "path": str(f.path), "sha256": f.sha256}]
    meta["sweep"] = {
        "variables": variations,
        "combinations": total,
        "iterations": iterations,
        "work_budget": "iterations"
        if iterations is not None
        else "[solver] time_limit × the engine's iterations_per_second",
        "safety_net_seconds": f"max({SAFETY_FACTOR:g} × time_limit, {SAFETY_FLOOR_SECONDS:g})",
        "scheduler": scheduler or "local",
        "workers": n_workers,
        "seconds": round(time.perf_counter() - started, 1),
        "seeds": sorted({o.seed for o in ordered if o.seed is not None}),
        "axis": axis,
        "cost": cost_figure(with_aid),
    }
    return Sweep(f.scenario.name, variations, axis, with_aid, ordered, meta)


# --- tables -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the sweep's table: a key (``n``, ``var:NAME``, ``front``, ``result``, a
    figure of :data:`FIGURES`, or a provenance field), its French header and its decimals
    (None: text)."""

    key: str
    header: str
    digits: int | None = None
    short: str = ""  # the header in the terminal (default: header)


def value_fr(name: str, value: Any) -> str:
    """A variable's value as a table cell: ``mensuel``, ``20``, ``2,5``, ``journée``."""
    if name == "frequency":
        return _FREQUENCY_FR.get(value, str(value))
    return short_number_fr(value)


def columns(sweep: Sweep, *, full: bool = False) -> list[Column]:
    """The table's columns: the combination, the front mark, cost, the axis figure, a few
    context figures and the result; ``full`` adds every figure and the provenance (CSV)."""

    def fig(key: str) -> Column:
        label, unit, digits, short = FIGURES[key]
        return Column(key, f"{label} ({unit})" if unit else label, digits, short)

    out = [Column("n", "n°", 0)]
    out += [Column(f"var:{name}", VARIABLES[name].label_fr) for name in sweep.variables]
    out += [Column("front", "front de Pareto", short="front")]
    out += [fig(sweep.cost_figure), fig(sweep.coverage_figure)]
    shown = {sweep.cost_figure, sweep.coverage_figure}
    extra = (
        list(FIGURES) if full else ["presence_hours_per_month", "communes_served", "km_per_month"]
    )
    out += [fig(k) for k in extra if k not in shown]
    out.append(Column("result", "résultat", short="résultat"))
    if full:
        out += [
            Column("seed", "graine", 0),
            Column("iterations", "budget (itérations)", 0),
            Column("budget_cut", "budget coupé par le filet de sécurité"),
            Column("plan_sha256", "empreinte du plan (sha256)"),
        ]
    return out


def cell(outcome: Outcome, column: Column) -> Any:
    """The raw value of a table cell (a number, a string or None)."""
    key = column.key
    if key == "n":
        return outcome.index + 1
    if key.startswith("var:"):
        name = key[4:]
        return value_fr(name, outcome.values[name])
    if key == "front":
        return "oui" if outcome.front else ""
    if key == "result":
        status = STATUS_FR.get(outcome.status, outcome.status)
        note = " — budget coupé par le filet de sécurité" if outcome.budget_cut else ""
        return status + (f" : {outcome.reason}" if outcome.reason else "") + note
    if key == "budget_cut":
        return "oui" if outcome.budget_cut else ""
    if key in ("seed", "iterations", "plan_sha256"):
        return getattr(outcome, key)
    return outcome.figures.get(key)


def cell_text(outcome: Outcome, column: Column, *, spreadsheet: bool = False) -> str:
    """A cell as text: French numbers (``12 345``, ``6,3``; ``—`` when missing), or for a
    spreadsheet without thousands separators (``12345``, ``6,3``; empty when missing)."""
    value = cell(outcome, column)
    if value is None:
        return "" if spreadsheet else "—"
    if column.digits is not None and isinstance(value, (int, float)):
        if spreadsheet:
            return spreadsheet_number(value, column.digits)
        return number_fr(float(value), column.digits)
    return str(value)


def best_so_far_fr(done: list[Outcome], axis: str, aid: bool) -> str:
    """The live progress status of a sweep, from the outcomes ``done`` so far: ``front : 3
    point(s) ; le plus couvrant : 12 345 habitants pour 48 000 € par an`` (and how many gave
    no plan)."""
    ok = [o for o in done if o.ok]
    failed = len(done) - len(ok)
    parts = [f"{failed} sans plan"] if failed else []
    cost_key, cover_key = cost_figure(aid), AXES[axis].figure
    points = [(o.figure(cost_key), o.figure(cover_key)) for o in ok]
    points = [(c, v) for c, v in points if c is not None and v is not None]
    if points:
        mask = pareto_front([c for c, _ in points], [v for _, v in points])
        cost, cover = max((p for p, m in zip(points, mask) if m), key=lambda p: (p[1], -p[0]))
        unit = AXES[axis].unit_fr
        parts.insert(
            0,
            f"front : {int(mask.sum())} point(s) ; le plus couvrant : "
            f"{number_fr(cover)} {unit} pour {number_fr(cost)} € par an",
        )
    return " ; ".join(parts)


def to_csv(sweep: Sweep) -> str:
    """French spreadsheet CSV (``;``, decimal comma, no thousands separator, as ``compare``):
    one row per combination, every figure, the seed, budget and plan fingerprint of each, and
    on every row the scenario file, its sha256 and the version of itinerance (provenance that
    survives copying rows into another sheet)."""
    cols = columns(sweep, full=True)
    scenario = (sweep.meta.get("inputs") or [{}])[0]
    version = sweep.meta.get("versions", {}).get("itinerance") or ""
    header = [c.header for c in cols] + ["scénario", "sha256 du scénario", "itinerance"]
    rows = [
        [cell_text(o, c, spreadsheet=True) for c in cols]
        + [scenario.get("path", ""), scenario.get("sha256", ""), version]
        for o in sweep.outcomes
    ]
    return csv_text([header, *rows])
