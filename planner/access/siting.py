"""Where to stop: maximal covering (MCLP) and set covering (LSCP) with OR-Tools CP-SAT.

- **Maximal covering** (Church & ReVelle 1974): choose at most ``k`` new sites among candidate
  communes to maximise the need (population × IFN) **newly** covered within the threshold;
  communes that existing services already cover contribute nothing.
- **Set covering** (Toregas et al. 1971): the fewest new sites that cover every commune not yet
  covered; communes that no candidate can reach are reported, not silently dropped.

The core (:func:`solve_mclp`, :func:`solve_lscp`) works on a sparse 0/1 coverage matrix (demand
× candidates) so that benchmarks can feed it the exact instance they give spopt. Before CP-SAT it
applies the classic exact reductions: demand rows with the same candidate set are merged (weights
summed); a candidate whose covered set is included in another's is dropped (with "at most k"
sites, keeping the larger set never loses). The search is hinted with the greedy solution.

CP-SAT needs integer objective coefficients: need weights are multiplied by ``weight_scale``
(default 100, i.e. 0.01 person × IFN point) and rounded; the objective is reported in real units,
recomputed from the real weights of the communes covered, and the gap is ``(bound − value) /
bound`` in the scaled integers.

Sites of ``kind="borne"`` are kiosks: partial help that reaches only ``borne_reach`` minutes
(10 by default, see :mod:`planner.access.coverage`) and only communes with neither human help nor a
kiosk yet. Their need is kept apart from human coverage in the before/after figures.

It must not read files, databases or the network.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse

from geodata.errors import UnknownAreaError
from geodata.records import CommunePoint, ServiceKind, ServicePoint
from planner.access.coverage import (
    DEFAULT_VISIT_HOURS,
    BeforeAfter,
    CoverageInputs,
    CoverageResult,
    MobileStop,
    analyse,
    check_threshold,
)
from planner.access.matrices import reach
from planner.access.routers import Points
from planner.errors import InfeasibleError, ParameterError
from planner.tours.model import Frequency

DEFAULT_WEIGHT_SCALE = 100.0
_STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE"}
SOLVERS = ("cp-sat", "scip")


@dataclass(frozen=True)
class SolverOptions:
    """CP-SAT settings. With one worker the search is deterministic for a given seed."""

    time_limit: float = 60.0  # seconds
    workers: int = 2
    seed: int = 0
    weight_scale: float = DEFAULT_WEIGHT_SCALE
    # CP-SAT's full-problem subsolvers; empty = its default portfolio. Covering models live on
    # their LP bound: "max_lp" (full linearisation, cuts) proves optima that the default 2-worker
    # portfolio does not bound at all (docs/benchmarks.md).
    subsolvers: tuple[str, ...] = ("max_lp",)
    on_solution: Callable[[float, float], None] | None = None  # (objective, bound) in real units
    # Maximal covering only: "scip" solves the same reduced model as a MIP with SCIP (bundled
    # with OR-Tools), whose branch-and-bound closes large-K instances that CP-SAT leaves at a
    # small gap (docs/benchmarks.md); "cp-sat" is the default.
    solver: str = "cp-sat"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_limit) and self.time_limit > 0):
            raise ParameterError(
                "time limit", f"expected a positive number of seconds, got {self.time_limit}"
            )
        if self.workers < 1:
            raise ParameterError("workers", f"expected at least 1, got {self.workers}")
        if self.solver not in SOLVERS:
            raise ParameterError(
                "solver", f"expected one of {', '.join(SOLVERS)}, got {self.solver!r}"
            )


@dataclass(frozen=True)
class Selection:
    """A solved covering model: chosen candidate indices (greedy order of gain) and its quality."""

    chosen: tuple[int, ...]
    gains: tuple[float, ...]  # real weight newly covered by each chosen site, in that order
    covered: np.ndarray  # bool per demand row
    objective: float  # real units (sum of weights covered, or number of sites for LSCP)
    bound: float  # real units
    gap: float
    status: str
    seconds: float


# --- reductions and greedy ------------------------------------------------------------------------
def _as_csr(cover: sparse.spmatrix | np.ndarray) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix(cover, dtype=bool)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix


def _merge_rows(
    cover: sparse.csr_matrix, weights: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct non-empty candidate sets of the rows, and the summed weight of each."""
    merged: dict[bytes, int] = {}
    sets: list[np.ndarray] = []
    total: list[float] = []
    for i in range(cover.shape[0]):
        cols = cover.indices[cover.indptr[i] : cover.indptr[i + 1]]
        if len(cols) == 0:
            continue
        key = cols.tobytes()
        if key in merged:
            total[merged[key]] += weights[i]
        else:
            merged[key] = len(sets)
            sets.append(cols)
            total.append(weights[i])
    return sets, np.array(total, dtype=np.float64)


def _undominated(cover: sparse.csr_matrix) -> np.ndarray:
    """Candidates whose covered set is not included in another's (ties: the lowest index stays)."""
    c = cover.astype(np.int32)
    size = np.asarray(c.sum(axis=0)).ravel()
    inter = (c.T @ c).tocoo()
    r, k, v = inter.row, inter.col, inter.data
    dominated = (r != k) & (v == size[r]) & ((size[k] > size[r]) | ((size[k] == size[r]) & (k < r)))
    keep = np.ones(cover.shape[1], dtype=bool)
    keep[r[dominated]] = False
    keep[size == 0] = False
    return np.flatnonzero(keep)


def greedy_order(
    cover: sparse.csr_matrix, weights: np.ndarray, chosen: Sequence[int]
) -> tuple[list[int], list[float]]:
    """``chosen`` sorted greedily by marginal weight covered (largest first), with each gain."""
    cover_t = cover.T.tocsr().astype(np.float64)
    uncovered = np.ones(cover.shape[0], dtype=np.float64)
    left, order, gains = list(chosen), [], []
    while left:
        gain = cover_t[left] @ (weights * uncovered)
        best = int(np.argmax(gain))
        j = left.pop(best)
        order.append(j)
        gains.append(float(gain[best]))
        uncovered[cover_t[j].indices] = 0
    return order, gains


def _greedy(cover: sparse.csr_matrix, weights: np.ndarray, k: int) -> list[int]:
    """Greedy maximal covering: k times, the candidate with the largest marginal gain."""
    cover_t = cover.T.tocsr().astype(np.float64)
    uncovered = np.ones(cover.shape[0], dtype=np.float64)
    chosen: list[int] = []
    for _ in range(min(k, cover.shape[1])):
        gain = cover_t @ (weights * uncovered)
        gain[chosen] = -1
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        uncovered[cover_t[j].indices] = 0
    return chosen


def _swap_improve(
    cover: sparse.csr_matrix, weights: np.ndarray, chosen: list[int], rounds: int = 200
) -> list[int]:
    """Teitz-Bart style interchange: best single swap while it improves (primal hint for CP-SAT)."""
    cover_t = cover.T.tocsr()
    cover_tf = cover_t.astype(np.float64)
    chosen = list(chosen)
    count = np.zeros(cover.shape[0], dtype=np.int64)
    for j in chosen:
        count[cover_t[j].indices] += 1
    for _ in range(rounds):
        free = weights * (count == 0)
        best_gain, best_swap = 1e-9 * max(1.0, float(weights.sum())), None
        for position, j_out in enumerate(chosen):
            rows = cover_t[j_out].indices
            alone = rows[count[rows] == 1]
            loss = float(weights[alone].sum())
            u = free.copy()
            u[alone] += weights[alone]
            gain = cover_tf @ u - loss
            gain[chosen] = -np.inf
            j_in = int(np.argmax(gain))
            if gain[j_in] > best_gain:
                best_gain, best_swap = float(gain[j_in]), (position, j_out, j_in)
        if best_swap is None:
            break
        position, j_out, j_in = best_swap
        count[cover_t[j_out].indices] -= 1
        count[cover_t[j_in].indices] += 1
        chosen[position] = j_in
    return chosen


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[float, float], None], scale: float):
        super().__init__()
        self._report, self._scale = report, scale

    def on_solution_callback(self) -> None:
        self._report(self.objective_value / self._scale, self.best_objective_bound / self._scale)


def _solve(
    model: cp_model.CpModel, options: SolverOptions, scale: float
) -> tuple[cp_model.CpSolver, str, float]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.time_limit
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    solver.parameters.subsolvers.extend(options.subsolvers)
    start = time.perf_counter()
    callback = _Progress(options.on_solution, scale) if options.on_solution else None
    status = solver.solve(model, callback)
    seconds = time.perf_counter() - start
    if status not in _STATUS:
        raise InfeasibleError(
            f"CP-SAT found no solution within {options.time_limit:g} s (status "
            f"{solver.status_name(status)}); raise the time limit"
        )
    return solver, _STATUS[status], seconds


def _solve_mip(
    sets: Sequence[Sequence[int]],
    int_w: np.ndarray,
    n_cols: int,
    k: int,
    hint: set[int],
    options: SolverOptions,
) -> tuple[list[int], float, float, str, float]:
    """The maximal covering model as a MIP for SCIP (x binary, y relaxed to [0, 1]: integral at
    an optimum): chosen columns, objective and bound (scaled), status, seconds."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover (SCIP ships with OR-Tools' wheels)
        raise ParameterError("solver scip", "not available in this OR-Tools build; use cp-sat")
    x = [solver.BoolVar(f"x{j}") for j in range(n_cols)]
    y = [solver.NumVar(0.0, 1.0, f"y{i}") for i in range(len(sets))]
    for yi, cols in zip(y, sets):
        solver.Add(yi <= solver.Sum([x[j] for j in cols]))
    solver.Add(solver.Sum(x) <= k)
    solver.Maximize(solver.Sum([float(v) * yi for yi, v in zip(y, int_w)]))
    if hint:
        solver.SetHint(x, [1.0 if j in hint else 0.0 for j in range(n_cols)])
    solver.SetTimeLimit(int(options.time_limit * 1000))
    start = time.perf_counter()
    status = solver.Solve()
    seconds = time.perf_counter() - start
    names = {pywraplp.Solver.OPTIMAL: "OPTIMAL", pywraplp.Solver.FEASIBLE: "FEASIBLE"}
    if status not in names:
        raise InfeasibleError(
            f"SCIP found no solution within {options.time_limit:g} s; raise the time limit"
        )
    picked = [j for j, xj in enumerate(x) if xj.solution_value() > 0.5]
    objective = solver.Objective()
    taken = set(picked)
    value = sum(float(v) for v, cols in zip(int_w, sets) if any(j in taken for j in cols))
    bound = objective.BestBound() if status != pywraplp.Solver.OPTIMAL else objective.Value()
    if options.on_solution is not None:
        options.on_solution(value / options.weight_scale, bound / options.weight_scale)
    return picked, value, max(bound, value), names[status], seconds


def _covered(cover: sparse.csr_matrix, columns: Sequence[int]) -> np.ndarray:
    """Rows covered by at least one of ``columns``."""
    if not columns:
        return np.zeros(cover.shape[0], dtype=bool)
    return np.asarray(cover[:, list(columns)].sum(axis=1)).ravel() > 0


def _gap(value: float, bound: float) -> float:
    return 0.0 if bound == value else abs(bound - value) / max(abs(bound), 1e-12)


# --- the two models -------------------------------------------------------------------------------
def solve_mclp(
    cover: sparse.spmatrix | np.ndarray,
    weights: np.ndarray,
    k: int,
    options: SolverOptions = SolverOptions(),
) -> Selection:
    """At most ``k`` columns of ``cover`` (demand × candidates, 0/1) maximising the weight
    covered."""
    cover = _as_csr(cover)
    weights = np.asarray(weights, dtype=np.float64)
    n_rows, n_cols = cover.shape
    if k > n_cols:
        raise ParameterError(
            "new sites", f"asked for {k}, but there are only {n_cols} candidate(s)"
        )
    if k < 1:
        raise ParameterError("new sites", f"expected at least 1, got {k}")
    scale = options.weight_scale
    keep = _undominated(cover[weights > 0]) if n_rows else np.empty(0, np.int64)
    reduced = cover[:, keep]
    sets, merged_w = _merge_rows(reduced[weights > 0], weights[weights > 0])
    int_w = np.rint(merged_w * scale).astype(np.int64)

    hint: set[int] = set()
    if len(keep):  # the greedy + interchange solution, where both solvers start
        positive = reduced[weights > 0]
        w_pos = weights[weights > 0]
        hint = set(_swap_improve(positive, w_pos, _greedy(positive, w_pos, k)))
    if options.solver == "scip":
        picked, value, bound, status, seconds = _solve_mip(sets, int_w, len(keep), k, hint, options)
        chosen = [int(keep[j]) for j in picked]
        return _selection(cover, weights, chosen, value, bound, status, seconds, scale)

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(len(keep))]
    y = [model.new_bool_var(f"y{i}") for i in range(len(sets))]
    for yi, cols in zip(y, sets):
        model.add_bool_or([~yi, *(x[j] for j in cols)])
    model.add(sum(x) <= k)
    model.maximize(cp_model.LinearExpr.weighted_sum(y, [int(v) for v in int_w]))
    if hint:  # a complete hint (x and y)
        for j, xj in enumerate(x):
            model.add_hint(xj, j in hint)
        for yi, cols in zip(y, sets):
            model.add_hint(yi, any(int(j) in hint for j in cols))
    solver, status, seconds = _solve(model, options, scale)

    chosen = [int(keep[j]) for j, xj in enumerate(x) if solver.boolean_value(xj)]
    return _selection(
        cover,
        weights,
        chosen,
        solver.objective_value,
        solver.best_objective_bound,
        status,
        seconds,
        scale,
    )


def _selection(
    cover: sparse.csr_matrix,
    weights: np.ndarray,
    chosen: list[int],
    value: float,
    bound: float,
    status: str,
    seconds: float,
    scale: float,
) -> Selection:
    """The chosen sites in greedy order of gain, without those that add nothing."""
    order, gains = greedy_order(cover, weights, chosen)
    # Sites that add nothing once the others are placed (the model says "at most k") go.
    useful = [i for i, g in enumerate(gains) if g > 0]
    order, gains = [order[i] for i in useful], [gains[i] for i in useful]
    covered = _covered(cover, order)
    return Selection(
        tuple(order),
        tuple(gains),
        covered,
        float(weights[covered].sum()),
        bound / scale,
        _gap(value, bound),
        status,
        seconds,
    )


def solve_lscp(
    cover: sparse.spmatrix | np.ndarray,
    options: SolverOptions = SolverOptions(),
    weights: np.ndarray | None = None,
) -> tuple[Selection, np.ndarray]:
    """Fewest columns covering every row that some column covers; also the uncoverable rows' mask.

    ``weights`` (default 1 per row) only orders the chosen columns and measures their gains.
    """
    cover = _as_csr(cover)
    n_rows = cover.shape[0]
    uncoverable = np.diff(cover.indptr) == 0
    keep = _undominated(cover)
    reduced = cover[:, keep]
    sets, _ = _merge_rows(reduced, np.ones(n_rows))

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(len(keep))]
    for cols in sets:
        model.add_bool_or([x[j] for j in cols])
    model.minimize(sum(x))
    solver, status, seconds = _solve(model, options, 1.0)
    chosen = [int(keep[j]) for j, xj in enumerate(x) if solver.boolean_value(xj)]
    covered = _covered(cover, chosen)
    weights = np.ones(n_rows) if weights is None else np.asarray(weights, dtype=np.float64)
    order, gains = greedy_order(cover, weights, chosen)
    value, bound = solver.objective_value, solver.best_objective_bound
    selection = Selection(
        tuple(order),
        tuple(gains),
        covered,
        float(len(chosen)),
        bound,
        _gap(value, bound),
        status,
        seconds,
    )
    return selection, uncoverable


# --- on communes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SitingResult:
    """Chosen communes, the need they newly cover (real units), optimality, before/after."""

    model: Literal["maximal_covering", "set_covering"]
    kind: Literal["stop", "borne"]
    threshold: float  # minutes within which a new site covers a commune
    chosen: tuple[str, ...]  # INSEE codes, by decreasing marginal need covered
    gains: tuple[float, ...]  # need newly covered by each, in that order
    need_covered: float  # population × IFN newly covered
    population_covered: int
    newly_covered: tuple[str, ...]
    uncoverable: tuple[str, ...]  # communes to cover that no candidate reaches (set covering)
    n_candidates: int
    status: str
    bound: float  # maximal covering: need; set covering: number of sites
    gap: float
    seconds: float
    comparison: BeforeAfter

    @property
    def names(self) -> dict[str, str]:
        return self.comparison.after.communes["name"].to_dict()


def _need_weights(base: CoverageResult) -> np.ndarray:
    """Need per commune, unknown IFN replaced by the area's median IFN (or 1 if none is known)."""
    frame = base.communes
    ifn = frame["ifn"].to_numpy(dtype=np.float64)
    known = ifn[np.isfinite(ifn)]
    fill = float(np.median(known)) if len(known) else 1.0
    return frame["population"].to_numpy(dtype=np.float64) * np.where(np.isfinite(ifn), ifn, fill)


def _candidates(inputs: CoverageInputs, candidates: Sequence[str] | None) -> list[CommunePoint]:
    by_code = {c.code: c for c in inputs.communes}
    if candidates is None:
        return list(inputs.communes)
    unknown = [code for code in candidates if code not in by_code]
    if unknown:
        raise UnknownAreaError(
            f"candidates: {len(unknown)} code(s) not among the area's communes: "
            f"{', '.join(unknown[:5])}"
        )
    return [by_code[code] for code in dict.fromkeys(candidates)]


def _problem(
    inputs: CoverageInputs,
    kind: Literal["stop", "borne"],
    candidates: Sequence[str] | None,
    existing: Literal["human", "fs"],
) -> tuple[CoverageResult, np.ndarray, list[CommunePoint], sparse.csr_matrix, float]:
    if kind not in ("stop", "borne"):
        raise ParameterError("kind", f"expected 'stop' or 'borne', got {kind!r}")
    if existing not in ("human", "fs"):
        raise ParameterError("existing", f"expected 'human' or 'fs', got {existing!r}")
    base = analyse(inputs)
    cands = _candidates(inputs, candidates)
    frame = base.communes
    covered = frame["covered_human" if existing == "human" else "covered_fs"].to_numpy(dtype=bool)
    if kind == "borne":
        covered = covered | frame["covered_borne_only"].to_numpy(dtype=bool)
    radius = inputs.borne_threshold if kind == "borne" else inputs.threshold
    demand = np.flatnonzero(~covered)
    points = Points.of(inputs.communes, what="communes")
    found = reach(inputs.router, points.take(demand), Points.of(cands, what="candidates"), radius)
    cover = sparse.csr_matrix(
        (
            np.ones(len(found.pair_source), bool),
            (demand[found.pair_source], found.pair_destination),
        ),
        shape=(len(inputs.communes), len(cands)),
    )
    return base, demand, cands, cover, radius


def _additions(
    kind: str, chosen: Sequence[CommunePoint], frequency: Frequency, hours: float
) -> tuple[list[MobileStop], list[ServicePoint]]:
    if kind == "borne":
        kiosks = [
            ServicePoint(
                f"new:borne:{c.code}",
                f"Nouvelle borne — {c.name}",
                ServiceKind.BORNE,
                c.lon,
                c.lat,
                c.code,
            )
            for c in chosen
        ]
        return [], kiosks
    stops = [
        MobileStop(
            f"new:stop:{c.code}", "new", "Nouvel arrêt", c.code, c.lon, c.lat, frequency, hours
        )
        for c in chosen
    ]
    return stops, []


def _result(
    model: Literal["maximal_covering", "set_covering"],
    inputs: CoverageInputs,
    kind: Literal["stop", "borne"],
    base: CoverageResult,
    cands: list[CommunePoint],
    radius: float,
    selection: Selection,
    weights: np.ndarray,
    uncoverable: np.ndarray,
    frequency: Frequency,
    hours: float,
) -> SitingResult:
    codes = base.communes.index
    chosen = [cands[j] for j in selection.chosen]
    stops, kiosks = _additions(kind, chosen, frequency, hours)
    comparison = BeforeAfter(base, analyse(inputs.with_additions(stops, kiosks)))
    covered = selection.covered
    return SitingResult(
        model=model,
        kind=kind,
        threshold=radius,
        chosen=tuple(c.code for c in chosen),
        gains=selection.gains,
        need_covered=float(weights[covered].sum()),
        population_covered=int(base.communes["population"].to_numpy()[covered].sum()),
        newly_covered=tuple(codes[covered]),
        uncoverable=tuple(codes[uncoverable]),
        n_candidates=len(cands),
        status=selection.status,
        bound=selection.bound,
        gap=selection.gap,
        seconds=selection.seconds,
        comparison=comparison,
    )


def maximal_covering(
    inputs: CoverageInputs,
    k: int,
    *,
    kind: Literal["stop", "borne"] = "stop",
    candidates: Sequence[str] | None = None,
    existing: Literal["human", "fs"] = "human",
    options: SolverOptions = SolverOptions(),
    frequency: Frequency = Frequency.MONTHLY,
    hours_per_visit: float = DEFAULT_VISIT_HOURS,
) -> SitingResult:
    """The ``k`` new stops (or kiosks) covering the most need not yet covered (``existing`` help).

    ``existing="human"``: communes with any human help within the threshold are already covered;
    ``"fs"``: only a fixed France Services counts. New stops are added for the before/after
    figures with ``frequency`` and ``hours_per_visit``.
    """
    check_threshold(inputs.threshold)
    base, _, cands, cover, radius = _problem(inputs, kind, candidates, existing)
    if k > len(cands):
        raise ParameterError(
            "new sites", f"asked for {k}, but there are only {len(cands)} candidate communes"
        )
    weights = _need_weights(base)
    selection = solve_mclp(cover, weights, k, options)
    none = np.zeros(len(weights), dtype=bool)
    return _result(
        "maximal_covering",
        inputs,
        kind,
        base,
        cands,
        radius,
        selection,
        weights,
        none,
        frequency,
        hours_per_visit,
    )


def set_covering(
    inputs: CoverageInputs,
    *,
    kind: Literal["stop", "borne"] = "stop",
    candidates: Sequence[str] | None = None,
    existing: Literal["human", "fs"] = "human",
    options: SolverOptions = SolverOptions(),
    frequency: Frequency = Frequency.MONTHLY,
    hours_per_visit: float = DEFAULT_VISIT_HOURS,
) -> SitingResult:
    """The fewest new stops (or kiosks) so that every commune not yet covered is; the rest
    reported."""
    base, demand, cands, cover, radius = _problem(inputs, kind, candidates, existing)
    weights = _need_weights(base)
    # Rows of communes already covered are empty in ``cover``: only the demand's can be uncoverable.
    selection, uncoverable = solve_lscp(cover, options, weights)
    to_cover = np.zeros(len(weights), dtype=bool)
    to_cover[demand] = True
    uncoverable &= to_cover
    return _result(
        "set_covering",
        inputs,
        kind,
        base,
        cands,
        radius,
        selection,
        weights,
        uncoverable,
        frequency,
        hours_per_visit,
    )
