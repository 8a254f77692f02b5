"""Coverage analysis on a hand-made line of communes where every figure can be checked by hand.

Points lie on the meridian 1.5°E, ``km`` kilometres north of 46°N, and the travel model is
"one minute per crow-fly kilometre" (circuity 1, 60 km/h), so times are distances.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geodata.errors import DataError
from geodata.records import (
    CommunePoint,
    Interval,
    NameMatch,
    ParsedRota,
    Recurrence,
    RecurrenceKind,
    RotaStop,
    ServiceKind,
    ServicePoint,
)
from planner.access.coverage import (
    STATUS_BORNE_ONLY,
    STATUS_COVERED,
    STATUS_NOT_COVERED,
    CoverageInputs,
    MobileStop,
    analyse,
    before_after,
    stops_from_rotas,
)
from planner.access.routers import EARTH_RADIUS_KM, OfflineModel
from planner.errors import ParameterError
from planner.tours.model import WEEKS_PER_MONTH, Frequency

MINUTE_PER_KM = OfflineModel(circuity=1.0, bands=((math.inf, 60.0),))


def north(km: float) -> tuple[float, float]:
    return 1.5, 46.0 + km / (EARTH_RADIUS_KM * math.pi / 180)


def commune(code: str, km: float, population: int, ifn: float | None) -> CommunePoint:
    return CommunePoint(code, f"Commune {code}", "36", *north(km), population, ifn)


def service(sid: str, kind: ServiceKind, km: float) -> ServicePoint:
    return ServicePoint(sid, f"Service {sid}", kind, *north(km), None)


def stop(sid: str, km: float, frequency: Frequency, hours: float) -> MobileStop:
    return MobileStop(sid, "bus", "Bus", "36999", *north(km), frequency, hours)


COMMUNES = (
    commune("A", 0, 1000, 5.0),
    commune("B", 20, 500, 8.0),
    commune("C", 50, 200, 9.0),
    commune("D", 80, 100, None),
    commune("E", 120, 50, 7.0),
)
SERVICES = (
    service("fs1", ServiceKind.FRANCE_SERVICES, 5),
    service("med1", ServiceKind.MEDIATION, 45),
    service("borne1", ServiceKind.BORNE, 82),
    service("base1", ServiceKind.FRANCE_SERVICES_MOBILE, 80),  # a bus's garage is not help
)
STOPS = (
    stop("s-monthly", 120, Frequency.MONTHLY, 3.0),
    stop("s-weekly", 118, Frequency.WEEKLY, 2.0),
)


@pytest.fixture
def inputs() -> CoverageInputs:
    return CoverageInputs(COMMUNES, SERVICES, STOPS, threshold=30, router=MINUTE_PER_KM)


def test_times_and_names_of_the_nearest_service_of_each_kind(inputs):
    table = analyse(inputs).communes
    assert table.loc["B", "france_services_minutes"] == pytest.approx(15, abs=0.01)
    assert table.loc["B", "france_services_name"] == "Service fs1"
    assert table.loc["C", "mediation_minutes"] == pytest.approx(5, abs=0.01)
    assert table.loc["D", "borne_minutes"] == pytest.approx(2, abs=0.01)
    assert table.loc["E", "mobile_stop_id"] == "s-monthly"
    assert table.loc["E", "mobile_stop_minutes"] == pytest.approx(0, abs=0.01)


def test_statuses_follow_the_rules(inputs):
    table = analyse(inputs).communes
    assert table["status"].to_dict() == {
        "A": STATUS_COVERED,
        "B": STATUS_COVERED,
        "C": STATUS_COVERED,  # by the lieu de médiation, not by a France Services
        "D": STATUS_BORNE_ONLY,  # the bus base 0 km away does not count
        "E": "couverte par un bus (hebdomadaire)",
    }
    assert table["covered_fs"].tolist() == [True, True, False, False, False]
    assert table["covered_human"].tolist() == [True, True, True, False, True]
    assert table["covered_borne_only"].tolist() == [False, False, False, True, False]


def test_mobile_hours_add_up_over_the_stops_within_reach(inputs):
    table = analyse(inputs).communes
    assert table.loc["E", "mobile_frequency"] == "weekly"
    assert table.loc["E", "mobile_hours_month"] == pytest.approx(3.0 + 2.0 * WEEKS_PER_MONTH)
    assert table.loc["D", "mobile_hours_month"] == 0  # stops 38 and 40 minutes away
    assert pd.isna(table.loc["D", "mobile_frequency"])


def test_need_keeps_population_and_ifn(inputs):
    table = analyse(inputs).communes
    assert table.loc["B", "need"] == pytest.approx(4000)
    assert table.loc["B", "population"] == 500 and table.loc["B", "ifn"] == 8.0
    assert np.isnan(table.loc["D", "need"])


def test_totals_by_kind(inputs):
    totals = analyse(inputs).totals
    assert totals.loc["france_services", "population_covered"] == 1500
    assert totals.loc["france_services", "population_not_covered"] == 350
    assert totals.loc["france_services", "need_not_covered"] == pytest.approx(1800 + 350)
    assert totals.loc["human", "population_covered"] == 1750
    assert totals.loc["human", "communes_not_covered"] == 1
    assert totals.loc["borne_only", "population_covered"] == 100
    assert totals.loc["france_services", "label_fr"] == "France Services (fixe)"


def test_a_larger_threshold_covers_more(inputs):
    wide = analyse(CoverageInputs(COMMUNES, SERVICES, STOPS, threshold=50, router=MINUTE_PER_KM))
    assert wide.communes.loc["C", "covered_fs"]
    assert (
        wide.totals.loc["france_services", "population_covered"]
        > analyse(inputs).totals.loc["france_services", "population_covered"]
    )


def test_gap_communes_are_ordered_by_need_then_population():
    communes = COMMUNES + (commune("F", 300, 10, 9.0), commune("G", 310, 400, 2.0))
    result = analyse(CoverageInputs(communes, SERVICES, STOPS, router=MINUTE_PER_KM))
    assert result.gaps.index.tolist() == ["G", "F", "D"]  # need 800, 90, unknown (last)
    assert set(result.gaps["status"]) == {STATUS_NOT_COVERED, STATUS_BORNE_ONLY}


def test_before_after_with_an_added_stop(inputs):
    compared = before_after(inputs, added_stops=[stop("new", 80, Frequency.MONTHLY, 3.0)])
    assert compared.difference.loc["human", "population_covered"] == 100
    assert compared.difference.loc["france_services", "population_covered"] == 0
    assert compared.changed.index.tolist() == ["D"]
    assert compared.changed.loc["D", "status_after"] == "couverte par un bus (mensuel)"
    assert compared.after.communes.loc["D", "mobile_hours_month"] == pytest.approx(3.0)


def test_an_added_kiosk_is_partial_help_only(inputs):
    communes = COMMUNES + (commune("F", 300, 10, 9.0),)
    base = CoverageInputs(communes, SERVICES, STOPS, router=MINUTE_PER_KM)
    compared = before_after(base, added_kiosks=[service("k", ServiceKind.BORNE, 305)])
    assert compared.changed.loc["F", "status_after"] == STATUS_BORNE_ONLY
    assert compared.difference.loc["human", "population_covered"] == 0
    assert compared.difference.loc["borne_only", "population_covered"] == 10


def test_a_kiosk_beyond_its_reach_does_not_count():
    base = CoverageInputs(
        (commune("F", 300, 10, 9.0),), (service("k", ServiceKind.BORNE, 312),), router=MINUTE_PER_KM
    )
    assert analyse(base).communes.loc["F", "status"] == STATUS_NOT_COVERED  # 12 min > 10 min reach


@pytest.mark.parametrize("threshold", [0, -5, float("nan")])
def test_a_threshold_that_is_not_positive_is_refused(threshold):
    with pytest.raises(ParameterError, match="threshold: expected a positive number of minutes"):
        CoverageInputs(COMMUNES, threshold=threshold)


def test_a_commune_without_coordinates_is_an_error_naming_it():
    communes = COMMUNES + (CommunePoint("36777", "Sans-Point", "36", None, None, 10),)
    with pytest.raises(DataError, match="36777"):
        analyse(CoverageInputs(communes, SERVICES, router=MINUTE_PER_KM))


def test_a_service_without_coordinates_is_left_out_and_listed(inputs):
    lost = ServicePoint("fs-lost", "Perdue", ServiceKind.FRANCE_SERVICES, None, None, "36001")
    result = analyse(CoverageInputs(COMMUNES, SERVICES + (lost,), router=MINUTE_PER_KM))
    assert result.excluded_services == ("fs-lost",)
    assert result.communes.loc["A", "france_services_id"] == "fs1"


def test_no_service_of_a_kind_gives_empty_columns():
    result = analyse(CoverageInputs(COMMUNES[:1], (), router=MINUTE_PER_KM))
    row = result.communes.loc["A"]
    assert np.isnan(row["france_services_minutes"]) and pd.isna(row["france_services_name"])
    assert row["status"] == STATUS_NOT_COVERED


# --- rotas -> mobile stops ------------------------------------------------------------------------
def _rota_stop(order: int, name: str, insee: str | None, recurrence: Recurrence) -> RotaStop:
    return RotaStop(
        "fs:2394", order, name, NameMatch(name, insee, name, 1.0 if insee else 0.0), recurrence
    )


def test_stops_from_rotas_derive_frequency_and_hours():
    rota = ParsedRota(
        "fs:2394",
        "Bus France services La Rur@linette",
        "36044",
        "36",
        "Chaque mois : 1er lundi Vicq Exemplet, …",
        stops=[
            _rota_stop(
                1,
                "Vicq Exemplet",
                "36238",
                Recurrence(RecurrenceKind.NTH_WEEKDAY, weekday=0, nth=1),
            ),
            _rota_stop(2, "Avail", None, Recurrence(RecurrenceKind.NTH_WEEKDAY, weekday=3, nth=4)),
            _rota_stop(
                3,
                "Migné",
                "36123",
                Recurrence(RecurrenceKind.WEEKLY, weekday=0, part_of_day="matin"),
            ),
            _rota_stop(
                4,
                "Ségry",
                "36215",
                Recurrence(RecurrenceKind.LAST_DAY_OF_MONTH, start=9 * 60, end=12 * 60),
            ),
            _rota_stop(5, "Pommiers", "36161", Recurrence(RecurrenceKind.UNKNOWN)),
            _rota_stop(6, "Nulle-Part", "36999", Recurrence(RecurrenceKind.WEEKLY, weekday=1)),
        ],
        hours={d: (Interval(600, 750), Interval(810, 960)) for d in range(5)},
    )
    rota_without_hours = ParsedRota(
        "fs:1",
        "Bus sans horaires",
        None,
        "36",
        "",
        stops=[_rota_stop(1, "Migné", "36123", Recurrence(RecurrenceKind.FORTNIGHTLY, weekday=2))],
    )
    points = [
        commune(code, i, 100, 5.0) for i, code in enumerate(("36238", "36123", "36215", "36161"))
    ]
    stops, issues = stops_from_rotas([rota, rota_without_hours], points)
    by_id = {s.id: s for s in stops}
    assert set(by_id) == {"fs:2394#1", "fs:2394#3", "fs:2394#4", "fs:2394#5", "fs:1#1"}
    assert (
        by_id["fs:2394#1"].frequency is Frequency.MONTHLY
        and by_id["fs:2394#1"].hours_per_visit == 5.0
    )
    assert (
        by_id["fs:2394#3"].frequency is Frequency.WEEKLY
        and by_id["fs:2394#3"].hours_per_visit == 2.5
    )
    assert by_id["fs:2394#4"].hours_per_visit == 3.0
    assert by_id["fs:2394#5"].frequency is Frequency.MONTHLY
    assert (
        by_id["fs:1#1"].frequency is Frequency.FORTNIGHTLY
        and by_id["fs:1#1"].hours_per_visit == 3.0
    )
    assert by_id["fs:1#1"].hours_per_month == pytest.approx(3.0 * WEEKS_PER_MONTH / 2)
    joined = " | ".join(issues)
    assert "'Avail': commune not identified" in joined
    assert "36999 has no loaded point" in joined
    assert "'Pommiers': recurrence unknown, counted as monthly" in joined
    assert "Bus sans horaires (fs:1), stop 1 'Migné': hours unknown" in joined
