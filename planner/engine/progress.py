"""A live progress display for engine runs (rich), fed by the engine's progress events.

:func:`live_progress` is a context manager that yields a callback to pass as ``progress=`` to
:meth:`Engine.solve`: it shows the phase, a time bar, the best objective so far and how many stops
are served. Outside a terminal it stays silent. It only displays; it never changes the search.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from planner.engine.base import ProgressCallback, ProgressEvent
from planner.engine.first_use import UNCOMPILED
from planner.french import integer_fr, number_fr, plural_fr

PHASES = {
    "construction": "construction",
    "search": "recherche",
    "polish": "finition OR-Tools",
    "done": "terminé",
}
# Shown until the first event: the engine loads its compiled kernel, or compiles it on first use.
STARTING = "préparation du moteur (la première fois : compilation, une à deux minutes)"
# Events of the uncompiled kernel (first use, planning while it compiles: engine/first_use.py).
UNCOMPILED_NOTE = "moteur non compilé (première utilisation, compilation en arrière-plan)"


def describe(event: ProgressEvent) -> str:
    """One French line for an event: phase, best objective, stops served, iterations."""
    best = "—" if event.best_objective is None else number_fr(event.best_objective, 1)
    n = event.unserved_mandatory
    missing = f", {plural_fr(n, 'obligatoire non placé', 'obligatoires non placés')}" if n else ""
    phase, note = event.phase, ""
    if phase.startswith(f"{UNCOMPILED} "):
        phase, note = phase.removeprefix(f"{UNCOMPILED} "), f" — {UNCOMPILED_NOTE}"
    return (
        f"{PHASES.get(phase, phase)} : meilleur {best}, "
        f"{event.served}/{event.total} arrêts desservis, {integer_fr(event.iteration)} "
        f"itérations{missing}{note}"
    )


@contextmanager
def live_progress(
    label: str, time_limit: float, console: Console | None = None
) -> Iterator[ProgressCallback]:
    """Show a progress bar over ``time_limit`` seconds while the engine runs."""
    console = console or Console(stderr=True, markup=False)
    if not console.is_terminal:
        yield lambda event: None
        return
    columns = (
        TextColumn("{task.fields[label]}", style="bold", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=time_limit, label=label, status=STARTING)

        def callback(event: ProgressEvent) -> None:
            bar.update(task, completed=min(event.elapsed, time_limit), status=describe(event))

        yield callback
