"""What changes for residents between any two saved plans (of one scenario or of two): the
communes whose days or hours differ, those added and those dropped.

It compares the plans' timetables per stop as residents read them (``stop_slots`` of
:mod:`planner.web.tasks`, the words of the posters: "1er lundi du mois, 9:52–12:22"), matched by
stop id, so two plans of different scenarios compare as well as a plan and its re-plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Changes", "plan_changes"]


@dataclass
class Changes:
    changed: list[dict[str, str]] = field(default_factory=list)  # stop, before, after
    added: list[dict[str, str]] = field(default_factory=list)  # stop, after
    dropped: list[dict[str, str]] = field(default_factory=list)  # stop, before
    kept: int = 0  # stops served at the same days and hours in both

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _served(rows: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(r.get("id") or r["stop"]): r for r in rows if r.get("served")}


def plan_changes(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> Changes:
    """The changes from the ``before`` plan's stop rows to the ``after`` plan's (each row: id,
    stop, when, served), in the ``after`` plan's order, then the dropped stops."""
    old, new = _served(before), _served(after)
    out = Changes()
    for key, row in new.items():
        if key not in old:
            out.added.append({"stop": row["stop"], "after": row["when"]})
        elif old[key]["when"] != row["when"]:
            stop = {"stop": row["stop"], "before": old[key]["when"], "after": row["when"]}
            out.changed.append(stop)
        else:
            out.kept += 1
    out.dropped = [{"stop": r["stop"], "before": r["when"]} for k, r in old.items() if k not in new]
    return out
