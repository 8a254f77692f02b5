"""A plan file checked against its scenario before anything is published from it.

Posters, calendars, timetables and maps are what residents read: a hand-edited or stale plan
whose times cannot be driven must not reach them. :func:`recorded_scenario` finds the scenario a
plan was made from (the file its provenance names, as written or beside the plan);
:func:`check_for_publication` rebuilds the scenario's problem and runs the independent validator
on the plan, and raises a one-line :class:`~planner.errors.PlanError` when the plan is not valid.

It must not write anything or print: the commands say what they do with the result.
"""

from __future__ import annotations

from pathlib import Path

from planner.errors import PlanError
from planner.scenario.build import build
from planner.scenario.context import Built
from planner.scenario.files import ScenarioFile, load_scenario
from planner.scenario.pipeline import check_plan_matches
from planner.scenario.provenance import sha256_of
from planner.tours.plan import Plan
from planner.tours.validator import ValidationReport, validate

__all__ = ["check_for_publication", "personal_from_scenario", "recorded_scenario"]


def recorded_scenario(
    plan: Plan, plan_file: Path, given: Path | None = None
) -> tuple[ScenarioFile | None, list[str]]:
    """The scenario a plan was made from: ``given`` (``--scenario``), else the one its
    provenance names (as written, or beside the plan); and French warnings (a scenario changed
    since the plan). None when it cannot be found."""
    if given is not None:
        return load_scenario(given), []
    record = _scenario_record(plan)
    if record is not None and record.get("path"):
        recorded = Path(str(record["path"]))
        for path in (recorded, plan_file.parent / recorded, plan_file.parent / recorded.name):
            if path.is_file():
                warnings = []
                if record.get("sha256") and sha256_of(path) != record["sha256"]:
                    warnings.append(
                        f"attention : {path} a changé depuis le plan (sha256 différent)."
                    )
                return load_scenario(path), warnings
    return None, []


def _scenario_record(plan: Plan) -> dict | None:
    """The input record (path, sha256) of the scenario the plan was made from, if it names one."""
    for record in plan.meta.input_files():
        if isinstance(record, dict) and record.get("role") == "scenario":
            return record
    return None


def check_for_publication(
    plan: Plan,
    plan_file: Path,
    f: ScenarioFile | None,
    *,
    db: str | None = None,
    built: Built | None = None,
) -> ValidationReport:
    """The validator's report on ``plan`` against the problem of scenario ``f`` (``built``, or
    rebuilt with ``db`` or the scenario's database). PlanError, one line, when the scenario is
    unknown, the plan does not match it or breaks one of its constraints: nothing should be
    published."""
    if f is None:
        raise PlanError(
            f"{plan_file}: cannot check the plan before publishing it: the scenario it was made "
            "from is not found; give it with --scenario"
        )
    if built is None:
        built = build(f, db=db or _recorded_database(plan))
    check_plan_matches(built.problem, plan, str(plan_file), str(f.path))
    report = validate(built.problem, plan)
    if not report.ok:
        n = len(report.violations)
        raise PlanError(
            f"{plan_file}: the plan breaks {n} constraint(s) of {f.path}, first: "
            f"{report.violations[0].message}; nothing is published (itinerance evaluate "
            f"{f.path} --plan {plan_file} lists them)"
        )
    return report


def _recorded_database(plan: Plan) -> str | None:
    """The database the plan was made with, when its provenance names one that can be opened
    again (a password is never recorded: such a URL must be given with --db)."""
    url = (plan.meta.data or {}).get("database")
    return url if isinstance(url, str) and "***" not in url else None


def personal_from_scenario(plan: Plan, source: str) -> dict[str, dict[str, str]]:
    """Requesters' details from the scenario the plan was made from (its recorded path), only
    if that file is unchanged (same sha256). PlanError otherwise."""
    record = _scenario_record(plan)
    if record is None:
        raise PlanError(
            f"{source}: --include-personal-data reads the plan's scenario file, but the plan names "
            "none"
        )
    path = Path(str(record.get("path")))
    if not path.is_file():
        raise PlanError(
            f"{source}: --include-personal-data reads the scenario {path}, which is not there"
        )
    if sha256_of(path) != record.get("sha256"):
        raise PlanError(
            f"{path}: changed since the plan was made (sha256 differs); plan it again first"
        )
    f = load_scenario(path)
    return {r.id: r.personal() for r in f.scenario.requests if r.personal()}
