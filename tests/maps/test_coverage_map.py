"""The coverage map as files: what the HTML, the table page and the CSV hold (no browser here;
see test_coverage_map_browser.py for what a reader sees)."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest

from geodata.records import ServiceKind, ServicePoint
from maps.coverage_map import (
    coverage_frame,
    make_coverage_map,
    render_map,
    services_to_show,
    write_coverage_map,
)
from maps.errors import MapError
from planner.files import OutputError
from support.map_inputs import INDRE_COMMUNES, hostile

OPTIONS = {"title": "Accès aux lieux d’aide numérique", "threshold": 30, "area_label": "Essai (99)"}


def test_writes_the_map_its_table_page_and_csv(tiny_inputs, tmp_path):
    out = tmp_path / "carte.html"
    written = write_coverage_map(
        tiny_inputs.communes,
        tiny_inputs.coverage,
        tiny_inputs.services,
        tiny_inputs.rotas,
        out,
        date=dt.date(2026, 3, 1),
        **OPTIONS,
    )
    assert written == [out, tmp_path / "carte-tableau.html", tmp_path / "carte.csv"]
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "<title>Accès aux lieux d’aide numérique — Essai (99)</title>" in html
    assert 'href=\\"carte-tableau.html\\"' in html  # the table alternative is linked from the map
    assert "Carte établie le 1er mars 2026" in html
    for name in (
        "Temps d’accès à une France Services fixe",
        "Indice de fragilité numérique (IFN)",
        "Statut de couverture (seuil 30 min)",
        "Contour des communes non couvertes",
        "France Services fixes (1)",
        "Services itinérants : bases et arrêts (2)",
        "Bornes interactives (1)",
    ):
        assert json.dumps(name) in html, name  # as folium's layer control writes it
    for key in ("time", "ifn", "status", "gap", "points"):  # a legend per coloured layer, and more
        assert f'data-legend=\\"{key}\\"' in html, key
    # the CDN asset URLs folium writes are left as they are
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in html

    page = (tmp_path / "carte-tableau.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and page.count("<caption>") == 2
    assert '<th scope="col">Commune</th>' in page and '<th scope="row">Gamma</th>' in page

    raw = (tmp_path / "carte.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: French spreadsheets read it as UTF-8
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Commune;Code INSEE;EPCI;Population;IFN (1 à 10);Statut;")
    assert len(lines) == 5
    # gap communes first: Gamma has only a kiosk within reach
    assert lines[1].startswith("Gamma;99003;CC de l’Essai;95;9,0;borne seulement;")


def test_statuses_gaps_and_counts_follow_the_coverage(tiny_inputs):
    result = make_coverage_map(
        tiny_inputs.communes,
        tiny_inputs.coverage,
        tiny_inputs.services,
        tiny_inputs.rotas,
        **OPTIONS,
    )
    assert result.frame["status"].tolist() == ["covered", "covered", "borne_only", "mobile"]
    assert result.frame["gap"].tolist() == [False, False, True, False]
    assert (result.n_shapes, result.n_service_markers, result.n_stop_markers) == (4, 3, 1)
    assert result.frame["need"].tolist()[:3] == [3600.0, 2210.0, 855.0]


def test_status_is_derived_from_times_when_the_coverage_gives_none(tiny_inputs):
    coverage = tiny_inputs.coverage.drop(columns=["status", "covered_human"])
    frame = coverage_frame(tiny_inputs.communes, coverage, threshold=30)
    assert frame["status"].tolist() == ["covered", "covered", "borne_only", "mobile"]
    frame = coverage_frame(tiny_inputs.communes, coverage, threshold=4)  # nothing within 4 min
    assert frame["status"].tolist() == ["not_covered"] * 4 and frame["gap"].all()


def test_every_data_text_is_escaped_in_the_map_and_the_tables(tiny_inputs, tmp_path):
    bad = hostile(tiny_inputs)
    out = tmp_path / "carte.html"
    write_coverage_map(bad.communes, bad.coverage, bad.services, bad.rotas, out, **OPTIONS)
    for path in (out, tmp_path / "carte-tableau.html"):
        html = path.read_text(encoding="utf-8")
        for raw in ("<script>alert", "</script><script>", "<img src=x", "<b>gras"):
            assert raw not in html, (path.name, raw)
    page = (tmp_path / "carte-tableau.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;commune&quot;)&lt;/script&gt;Bêta" in page
    html = out.read_text(encoding="utf-8")
    # in the map the escaped text sits inside JSON strings
    assert "&lt;script&gt;alert(&quot;commune&quot;)&lt;/script&gt;Bêta" in html


def test_bad_inputs_raise_one_line_errors(tiny_inputs, tmp_path):
    args = (tiny_inputs.communes, tiny_inputs.coverage, tiny_inputs.services, tiny_inputs.rotas)
    for threshold in (0, -5, float("nan")):
        with pytest.raises(MapError, match="threshold: expected a positive number"):
            make_coverage_map(*args, **{**OPTIONS, "threshold": threshold})
    with pytest.raises(MapError, match="coverage: no column 'france_services_minutes'"):
        make_coverage_map(
            tiny_inputs.communes,
            tiny_inputs.coverage.rename(columns=str.upper),
            tiny_inputs.services,
            tiny_inputs.rotas,
            **OPTIONS,
        )
    with pytest.raises(MapError, match="no commune to map"):
        make_coverage_map(tiny_inputs.communes.iloc[:0], *args[1:], **OPTIONS)
    with pytest.raises(MapError, match="missing column.*geometry"):
        make_coverage_map(
            tiny_inputs.communes.drop(columns="geometry")
            .assign(geometry=None)
            .drop(columns="geometry"),
            *args[1:],
            **OPTIONS,
        )
    with pytest.raises(MapError, match="ending in .html"):
        write_coverage_map(*args, tmp_path / "carte.png", **OPTIONS)
    with pytest.raises(OutputError, match="does not exist"):
        write_coverage_map(*args, tmp_path / "absent" / "carte.html", **OPTIONS)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_services_far_outside_the_area_are_not_drawn_unless_nearest(tiny_inputs):
    far = ServicePoint("fs:99", "Lointain", ServiceKind.FRANCE_SERVICES, 3.0, 48.0, "45234")
    border = ServicePoint("fs:98", "Frontalier", ServiceKind.FRANCE_SERVICES, 1.9, 46.8, "18001")
    coverage = tiny_inputs.coverage.assign(france_services_id=["fs:1", "fs:98", "fs:1", "fs:1"])
    shown = services_to_show(
        [*tiny_inputs.services, far, border],
        coverage,
        tiny_inputs.communes["code"],
        tiny_inputs.communes.geometry.values,
    )
    assert [s.id for s in shown] == ["fs:1", "user:borne:1", "fs:2", "fs:98"]


def test_real_indre_map_is_light_complete_and_holds_no_contact_data(indre_inputs, tmp_path):
    out = tmp_path / "indre.html"
    write_coverage_map(
        indre_inputs.communes,
        indre_inputs.coverage,
        indre_inputs.services,
        indre_inputs.rotas,
        out,
        **{**OPTIONS, "area_label": "Indre (36)"},
    )
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 1_500_000
    assert html.count('"type":"Feature"') == INDRE_COMMUNES
    assert "La Rur@linette" in html and "1er lundi du mois" in html
    text = html + (tmp_path / "indre-tableau.html").read_text(encoding="utf-8")
    assert not re.search(r"[\w.+-]+@[\w-]+\.(fr|org|com|net)\b", text), "an e-mail address leaked"
    assert not re.search(r"\b0[1-9](?:[ .]?\d{2}){4}\b", text), "a phone number leaked"
    csv_rows = (tmp_path / "indre.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(csv_rows) == INDRE_COMMUNES + 1


def test_render_map_is_french_and_names_its_generator(tiny_inputs):
    result = make_coverage_map(
        tiny_inputs.communes,
        tiny_inputs.coverage,
        tiny_inputs.services,
        tiny_inputs.rotas,
        **OPTIONS,
    )
    html = render_map(result)
    assert re.search(r'<meta name="generator" content="itinerance [^"]+"', html)
    assert np.isnan(result.frame.loc[3, "ifn"])  # Delta has no IFN: shown as "non disponible"
    assert "non disponible" in html


@pytest.mark.parametrize(
    ("threshold", "said", "not_said"),
    [
        (30, "Seuil de 30 min : la promesse de l’État", "(la promesse"),
        (
            15,
            "Seuil de 15 min (la promesse de l’État pour les France Services : 30 min)",
            "Seuil de 15 min : la promesse",
        ),
    ],
)
def test_the_legend_says_the_states_promise_is_30_minutes(tiny_inputs, threshold, said, not_said):
    result = make_coverage_map(
        tiny_inputs.communes,
        tiny_inputs.coverage,
        tiny_inputs.services,
        tiny_inputs.rotas,
        **{**OPTIONS, "threshold": threshold},
    )
    html = render_map(result)
    assert said in html and not_said not in html
