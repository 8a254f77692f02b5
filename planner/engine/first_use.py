"""The first use on a machine: plan while the kernel compiles, rather than wait for it.

The search kernel (:mod:`planner.engine.kernel`) is compiled by numba the first time it runs on a
machine, one to two minutes of CPU, and kept in numba's on-disk cache; later runs load it in about
a second. A first ``itinerance plan`` used to spend those minutes before showing anything.

With ``SolveOptions(while_compiling="interpret")`` and a kernel not yet in the cache, the engine
instead (1) starts one detached process that compiles the kernel into the cache for the next runs
(:func:`compile_in_background`, at most one at a time), and (2) runs the same engine, unchanged,
with numba switched off (``NUMBA_DISABLE_JIT``) in a child process (:func:`solve_uncompiled`):
the same construction, search and OR-Tools polish, about fifty times fewer iterations per second,
a valid plan within the time limit. The plan's ``meta.figures["kernel"]`` records which ran.

Deterministic mode always waits for the compiled kernel: the same seed must give the same plan,
and the iteration budget is sized for compiled speed. numba's cache layout is not public API:
when it cannot be read, :func:`kernel_cached` answers None and the engine compiles as before.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from planner.engine.base import Frozen, ProgressCallback, ProgressEvent, SolveOptions
from planner.errors import InfeasibleError
from planner.tours.model import Problem
from planner.tours.plan import Plan

# The kernel's functions that Python calls (the others are compiled inside them): those taking
# the problem's arrays (one compiled version per version of the arrays), and the others.
ENTRY_POINTS = (
    "construct",
    "evaluate_stop",
    "insert_stop",
    "objective",
    "over_budget",
    "recreate",
    "remove_and_update",
    "reset_levels",
    "schedule",
    "search",
    "update_route",
    "yearly_variable",
)
OTHER_ENTRY_POINTS = ("copy_state", "seed_rng")
UNCOMPILED = "uncompiled"  # prefix of the phases of progress events from the uncompiled kernel
LOCK_NAME = "itinerance-compiling.lock"
LOCK_STALE_SECONDS = 15 * 60.0


def kernel_cached(dtype: type, weighted: bool, derived: bool = False) -> bool | None:
    """Whether numba's cache holds the kernel's version ``(dtype, weighted, derived)`` for this
    machine and this source (True), not yet (False), or cannot tell (None)."""
    try:
        from numba import typeof

        from planner.engine import kernel as K
        from planner.engine.arrays import KernelProblem, tiny_problem
        from planner.engine.data import Compiled

        inst_type = typeof(KernelProblem(Compiled(tiny_problem(dtype, weighted, derived))).inst)
        for name in ENTRY_POINTS + OTHER_ENTRY_POINTS:
            dispatcher = getattr(K, name)
            magic = dispatcher.targetctx.codegen().magic_tuple()
            index = dispatcher._cache._cache_file._load_index()  # {} when stale or absent
            found = any(
                key[1] == magic and (name not in ENTRY_POINTS or key[0][0] == inst_type)
                for key in index
            )
            if not found:
                return False
        return True
    except Exception:  # numba's private cache layout changed: do as before (compile)
        return None


def _cache_dir() -> Path | None:
    try:
        from planner.engine import kernel as K

        return Path(K.search._cache._cache_path)
    except Exception:
        return None


def compile_in_background(dtype: type, weighted: bool, derived: bool = False) -> bool:
    """Start a detached process that compiles the kernel's version into numba's cache; it
    outlives this process. False when one is already compiling (its lock is less than 15
    minutes old) or the cache folder is not writable."""
    folder = _cache_dir()
    if folder is None:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = folder / LOCK_NAME
        if lock.exists() and time.time() - lock.stat().st_mtime < LOCK_STALE_SECONDS:
            return False
        lock.write_text(str(os.getpid()), encoding="utf-8")
    except OSError:
        return False
    code = (
        "import numpy as np, pathlib\n"
        "from planner.engine.arrays import warm_up\n"
        "try:\n"
        f"    warm_up(dtype=np.{np.dtype(dtype).name}, weighted={bool(weighted)}, "
        f"derived={bool(derived)})\n"
        "finally:\n"
        f"    pathlib.Path({str(lock)!r}).unlink(missing_ok=True)\n"
    )
    subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # survives the end of this command
    )
    return True


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables while a child process starts (spawn copies them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _child(engine_type, problem, options, tuning, initial, frozen, queue) -> None:
    def progress(event: ProgressEvent) -> None:
        queue.put(("progress", replace(event, phase=f"{UNCOMPILED} {event.phase}")))

    try:
        plan = engine_type(tuning, warm=False).solve(
            problem, options, initial=initial, frozen=frozen, progress=progress
        )
        queue.put(("plan", plan))
    except InfeasibleError as exc:
        queue.put(("infeasible", (str(exc), exc.reasons, getattr(exc, "plan", None))))
    except BaseException as exc:  # reported in the parent, which raises it
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def solve_uncompiled(
    engine_type: type,
    problem: Problem,
    options: SolveOptions,
    *,
    tuning=None,
    initial: Plan | None = None,
    frozen: Frozen | None = None,
    progress: ProgressCallback | None = None,
) -> Plan:
    """Plan ``problem`` with ``engine_type(tuning, warm=False)`` (the periodic engine's class,
    passed by reference), numba switched off, in a child process; its progress events come with
    their phase prefixed by :data:`UNCOMPILED`."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    with _environment(NUMBA_DISABLE_JIT="1"):
        child = ctx.Process(
            target=_child,
            args=(engine_type, problem, options, tuning, initial, frozen, queue),
            name="itinerance-uncompiled",
            daemon=True,
        )
        child.start()
    try:
        while True:
            try:
                kind, payload = queue.get(timeout=1.0)
            except Exception:  # queue.Empty: is the child still there?
                if not child.is_alive():
                    raise RuntimeError(
                        f"the uncompiled engine stopped without a plan (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "progress":
                if progress is not None:
                    progress(payload)
            elif kind == "plan":
                return payload
            elif kind == "infeasible":
                message, reasons, plan = payload
                err = InfeasibleError(message, reasons)
                err.plan = plan  # type: ignore[attr-defined]
                raise err
            else:
                raise RuntimeError(f"the uncompiled engine failed: {payload}")
    finally:
        child.join(5.0)
        if child.is_alive():
            child.kill()
