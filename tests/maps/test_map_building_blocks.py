"""Building blocks of the maps: escaping, French formatting, classes, simplification, tables."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from geodata.records import Interval, Recurrence, RecurrenceKind, ServiceKind, ServicePoint
from maps._html import esc, fmt_date, fmt_decimal, fmt_int, fmt_minutes, js_json
from maps.geometry import simplify_for_web
from maps.popups import format_text, hours_lines, recurrence_text, service_popup
from maps.style import IFN_CLASSES, STATUS_CLASSES, time_classes
from maps.tables import Table, csv_text, html_table


def test_js_json_cannot_close_the_script_element_whatever_the_data():
    hostile = {"name": "</script><script>alert(1)</SCRIPT><!--", "amp": "a&b<b>", "sep": "x\u2028y"}
    text = js_json(hostile)
    assert "</" not in text and "<!" not in text and "\u2028" not in text
    assert json.loads(text) == hostile  # still the same value for the browser


def test_esc_escapes_markup_and_quotes_and_turns_none_into_nothing():
    assert (
        esc("<b>\"Gras\"</b> & 'co'") == "&lt;b&gt;&quot;Gras&quot;&lt;/b&gt; &amp; &#x27;co&#x27;"
    )
    assert esc(None) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [(12345, "12\u202f345"), (7, "7"), (np.nan, "—"), (None, "—"), (1234.6, "1\u202f235")],
)
def test_fmt_int_uses_the_french_thousands_separator(value, text):
    assert fmt_int(value) == text


def test_french_decimals_minutes_and_dates():
    assert fmt_decimal(6.25) == "6,2" or fmt_decimal(6.25) == "6,3"  # banker's or half-up
    assert fmt_decimal(6.26) == "6,3"
    assert fmt_minutes(34.4) == "34 min"
    assert fmt_minutes(75) == "1 h 15"
    assert fmt_minutes(float("nan")) == "—"
    import datetime as dt

    assert fmt_date(dt.date(2026, 3, 1)) == "1er mars 2026"
    assert fmt_date(dt.date(2026, 8, 14)) == "14 août 2026"


def test_opening_hours_read_as_french_lines_monday_first():
    hours = {2: (Interval(540, 720),), 0: (Interval(810, 1020), Interval(540, 720))}
    assert hours_lines(hours) == ["lundi : 9 h – 12 h, 13 h 30 – 17 h", "mercredi : 9 h – 12 h"]
    assert hours_lines({}) == []


def test_recurrence_in_french():
    assert (
        recurrence_text(Recurrence(RecurrenceKind.NTH_WEEKDAY, weekday=1, nth=2))
        == "2e mardi du mois"
    )
    assert recurrence_text(Recurrence(RecurrenceKind.LAST_DAY_OF_MONTH)) == "dernier jour du mois"


def test_service_format_in_french():
    bus = ServicePoint(
        "fs:1", "Bus", ServiceKind.FRANCE_SERVICES_MOBILE, 1.0, 46.0, None, format="Bus_équivalent"
    )
    fixed = ServicePoint("fs:2", "FS", ServiceKind.FRANCE_SERVICES, 1.0, 46.0, None, format="Fixe")
    unknown = ServicePoint("x:3", "Lieu", ServiceKind.MEDIATION, 1.0, 46.0, None)
    assert (format_text(bus), format_text(fixed), format_text(unknown)) == (
        "itinérant (bus)",
        "fixe",
        "fixe",
    )


def test_service_popup_escapes_every_data_field_and_shows_no_contact():
    service = ServicePoint(
        "fs:9",
        "<script>alert('x')</script>",
        ServiceKind.FRANCE_SERVICES,
        1.0,
        46.0,
        "36044",
        address="<b>1 rue</b>",
        format="Fixe",
        hours={0: (Interval(540, 720),)},
    )
    html = service_popup(service, "France Services (fixe)")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;1 rue&lt;/b&gt;" in html
    assert "lundi : 9 h – 12 h" in html
    assert "@" not in html and not re.search(r"\d{2} \d{2} \d{2} \d{2}", html)


def test_time_classes_break_exactly_at_the_threshold():
    classes = time_classes(30)
    assert classes.labels == (
        "jusqu’à 10 min",
        "10 à 20 min",
        "20 à 30 min",
        "30 à 45 min",
        "plus de 45 min",
    )
    idx = classes.classify(np.array([0.0, 10.0, 10.5, 30.0, 30.01, 60.0, np.nan]))
    assert idx.tolist() == [0, 0, 1, 2, 3, 4, classes.missing]
    # within the threshold: blues; beyond: warm colours
    within, beyond = classes.colours[:3], classes.colours[3:]
    assert all(int(c[5:7], 16) > int(c[1:3], 16) for c in within)  # more blue than red
    assert all(int(c[1:3], 16) > int(c[5:7], 16) for c in beyond)  # more red than blue


def test_a_threshold_off_the_default_bounds_becomes_a_bound():
    classes = time_classes(25)
    assert "20 à 25 min" in classes.labels and "25 à 30 min" in classes.labels
    assert classes.classify(np.array([25.0, 25.5])).tolist() == [2, 3]
    assert len(set(classes.colours)) == len(classes.colours)


def test_ifn_and_status_classes():
    assert IFN_CLASSES.classify(np.array([0.0, 2.0, 9.9, np.nan])).tolist() == [0, 0, 4, 5]
    assert STATUS_CLASSES.classify(
        np.array(["covered", "not_covered", None], dtype=object)
    ).tolist() == [0, 3, 4]
    assert len(IFN_CLASSES.palette) == len(IFN_CLASSES.labels) + 1


def _grid(n: int = 3, size: float = 0.05) -> gpd.GeoSeries:
    """n × n square communes whose shared borders are wiggly lines (many vertices to simplify)."""
    t = np.linspace(0, 1, 40)
    xs = t * size
    # about 200 m of wiggle, zero at both ends (corners meet), irregular enough that simplifying
    # each shape on its own would pick different vertices on the two sides of a border
    wiggle = 0.002 * np.sin(5 * np.pi * t) + 0.001 * np.sin(16.5 * np.pi * t) * np.sin(np.pi * t)
    polys = []
    for i in range(n):
        for j in range(n):
            x0, y0 = 1.5 + i * size, 46.5 + j * size
            bottom = [(x0 + x, y0 + w) for x, w in zip(xs, wiggle)]
            right = [(x0 + size + w, y0 + y) for y, w in zip(xs, wiggle)]
            top = [(x0 + x, y0 + size + w) for x, w in zip(xs[::-1], wiggle[::-1])]
            left = [(x0 + w, y0 + y) for y, w in zip(xs[::-1], wiggle[::-1])]
            polys.append(Polygon(bottom + right[1:] + top[1:] + left[1:]))
    return gpd.GeoSeries(polys, crs=4326)


def test_simplification_keeps_shared_borders_shared_and_rounds_coordinates():
    grid = _grid()
    assert shapely.coverage_is_valid(grid.values)
    metric = grid.to_crs(grid.estimate_utm_crs()).values
    naive = shapely.simplify(shapely.transform(metric, lambda xy: np.round(xy, 3)), 100)
    assert not shapely.coverage_is_valid(naive)  # the case is hard enough to tell them apart
    simple = simplify_for_web(grid, tolerance_m=100, decimals=4)
    assert (
        shapely.get_num_coordinates(simple).sum()
        < 0.5 * shapely.get_num_coordinates(grid.values).sum()
    )
    assert shapely.coverage_is_valid(simple)  # no overlap, no gap opened between neighbours
    union_area = shapely.union_all(simple).area
    assert union_area == pytest.approx(sum(g.area for g in simple), rel=1e-9)
    coords = shapely.get_coordinates(simple)
    assert np.allclose(coords, np.round(coords, 4), atol=1e-12)


def test_simplification_leaves_missing_geometries_missing():
    series = gpd.GeoSeries([_grid(1).iloc[0], None], crs=4326)
    out = simplify_for_web(series)
    assert out[0] is not None and out[1] is None


def test_csv_is_for_french_spreadsheets_and_html_table_is_accessible():
    table = Table(
        caption="Essai <1>",
        frame=pd.DataFrame(
            {"Commune": ["<b>Alpha</b>", "Bêta"], "Population": [1200, np.nan], "IFN": [6.25, 3.0]}
        ),
        kinds={"Population": "int", "IFN": "dec1"},
    )
    lines = csv_text(table).splitlines()
    assert lines[0] == "Commune;Population;IFN"
    assert lines[1].startswith("<b>Alpha</b>;1200;6,")  # CSV keeps text as is: it is not HTML
    assert lines[2] == "Bêta;;3,0"
    html = html_table(table)
    assert "<caption>Essai &lt;1&gt;</caption>" in html
    assert html.count('scope="col"') == 3 and html.count('scope="row"') == 2
    assert "<b>" not in html and "&lt;b&gt;Alpha&lt;/b&gt;" in html
    assert "1\u202f200" in html
