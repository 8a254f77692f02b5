"""The coverage report's pieces (planner.outputs.coverage_report) that need no database."""

from __future__ import annotations

from planner.access.routers import OfflineModel
from planner.outputs.coverage_report import Heading, method_note_fr, minutes_fr


def test_minutes_are_whole_and_missing_is_a_dash():
    assert minutes_fr(12.4) == "12 min"
    assert minutes_fr(1234.0) == "1\u202f234 min"
    assert minutes_fr(float("nan")) == "—"
    assert minutes_fr(None) == "—"


def test_a_heading_is_still_its_text():
    assert Heading("Couverture") == "Couverture"
    assert isinstance(Heading("Couverture"), str)


def test_the_method_note_names_the_travel_model():
    offline = method_note_fr(OfflineModel())
    assert offline.startswith("Temps de trajet estimés sans réseau routier : distance à vol")
    assert "," in offline.split("×")[1]  # a French decimal comma in the circuity
    assert method_note_fr(object()) == (
        "Temps de trajet calculés sur le réseau routier (OSRM, données OpenStreetMap)."
    )
