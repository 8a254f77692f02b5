"""The maps of a comparison report: each scenario's tour map (or its coverage map when it has no
tour), drawn as files to sit beside the report; one function for ``itinerance compare`` and the
web application's compare page.

Unlike :mod:`maps.report`, which only formats, this reads the territory's communes and help
places from the database the scenario was measured on.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maps.report import map_file_name

if TYPE_CHECKING:
    from planner.analysis.compare import Evaluation
    from planner.scenario.files import ScenarioFile

__all__ = ["comparison_maps", "scenario_map"]


def comparison_maps(
    evaluations: Sequence[Evaluation],
    files: Sequence[ScenarioFile],
    report: Path,
    db: str | None,
) -> tuple[list[tuple[str, str | None]], dict[Path, bytes]]:
    """Each scenario's map for the report at ``report``: the (label, file name or None) pairs of
    :func:`maps.report.render_report` and the files' bytes by path, beside ``report``."""
    contents: dict[Path, bytes] = {}
    maps: list[tuple[str, str | None]] = []
    for n, (ev, f) in enumerate(zip(evaluations, files, strict=True)):
        target = report.with_name(map_file_name(report, n, ev.figures.label))
        found = scenario_map(ev, f, target, db)
        contents.update(found)
        maps.append((ev.figures.label, target.name if target in found else None))
    return maps, contents


def scenario_map(
    ev: Evaluation, f: ScenarioFile, target: Path, db: str | None
) -> dict[Path, bytes]:
    """The scenario's map (and the files beside it) as bytes: written in a temporary folder next
    to the report, read back, the folder removed — so that the report writes all files or none."""
    with tempfile.TemporaryDirectory(prefix=".itinerance-", dir=target.parent) as tmp:
        path = Path(tmp) / target.name
        if not _draw_map(ev, f, path, db):
            return {}
        return {
            target.parent / p.name: p.read_bytes()
            for p in sorted(Path(tmp).iterdir())
            if p.is_file()
        }


def _draw_map(ev: Evaluation, f: ScenarioFile, path: Path, db: str | None) -> bool:
    """Write the tour map at ``path`` (or the coverage map without a tour); False: no map."""
    from geodata import query
    from planner.analysis.compare import kiosk_points
    from planner.scenario.build import FIXED_HELP
    from planner.scenario.context import database_url

    url = database_url(f, db)
    communes = None
    if ev.coverage is not None and url is not None:
        communes = query.communes(url, codes=list(ev.coverage.before.communes.index))
    threshold = f.scenario.coverage.threshold
    try:
        from maps.tour import write_tour_map
    except ImportError:  # the tour map is not there: the coverage map shows the scenario
        write_tour_map = None
    if write_tour_map is not None and ev.plan.routes:
        kwargs: dict[str, Any] = {
            "threshold": threshold,
            "title": ev.figures.label,
            "problem": ev.problem,
        }
        if ev.coverage is not None and communes is not None:
            kwargs |= {
                "communes": communes,
                "coverage_before": ev.coverage.before.communes,
                "coverage_after": ev.coverage.after.communes,
            }
        write_tour_map(ev.plan, path, **kwargs)
        return True
    if ev.coverage is None or communes is None:
        return False
    from maps.coverage_map import write_coverage_map

    services = query.services(url, kinds=FIXED_HELP) + kiosk_points(ev.figures.kiosks)
    write_coverage_map(
        communes,
        ev.coverage.after.communes,
        services,
        [],
        path,
        title=f"Couverture avec le scénario « {ev.figures.label} »",
        threshold=threshold,
        area_label=f.scenario.name,
    )
    return True
