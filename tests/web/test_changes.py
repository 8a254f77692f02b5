"""What changes for residents between two plans' timetables, on hand-made rows."""

from __future__ import annotations

from planner.web.changes import plan_changes


def _row(id_: str, when: str, served: bool = True) -> dict:
    return {"id": id_, "stop": f"Commune {id_}", "when": when, "served": served}


def test_changed_added_dropped_and_kept_stops_are_told_apart():
    before = [
        _row("36124", "1er lundi du mois, 9:00–12:00"),
        _row("36160", "2e mardi du mois, 14:00–17:00"),
        _row("36140", "3e jeudi du mois, 9:00–12:00"),
        _row("36180", "non retenu (facultatif)", served=False),
    ]
    after = [
        _row("36124", "1er lundi du mois, 9:00–12:00"),
        _row("36160", "2e mardi du mois, 14:30–17:30"),
        _row("36180", "4e vendredi du mois, 9:00–12:00"),
        _row("36140", "non desservi (obligatoire)", served=False),
    ]
    changes = plan_changes(before, after)
    assert changes.kept == 1
    assert changes.changed == [
        {
            "stop": "Commune 36160",
            "before": "2e mardi du mois, 14:00–17:00",
            "after": "2e mardi du mois, 14:30–17:30",
        }
    ]
    assert changes.added == [{"stop": "Commune 36180", "after": "4e vendredi du mois, 9:00–12:00"}]
    assert changes.dropped == [{"stop": "Commune 36140", "before": "3e jeudi du mois, 9:00–12:00"}]


def test_identical_plans_change_nothing():
    rows = [_row("36124", "chaque lundi, 9:00–12:00")]
    assert plan_changes(rows, rows).to_dict() == {
        "changed": [],
        "added": [],
        "dropped": [],
        "kept": 1,
    }
