"""Territory pages on the real data: loading the Indre in a worker with its progress streamed,
then its coverage map, table and CSV, with local assets only."""

from __future__ import annotations

import pytest

from planner.web.assets import remote_assets

pytestmark = pytest.mark.data


def test_loading_the_indre_runs_in_a_worker_and_streams_its_progress(shared_data, empty_app):
    response = empty_app.post_form(
        "/territoires/charger", {"departement": "36"}, follow_redirects=False
    )
    assert response.status_code == 303
    job_id = response.headers["location"].rsplit("/", 1)[-1]
    assert "Chargement du département Indre (36)" in empty_app.get(f"/taches/{job_id}").text
    events = empty_app.events(job_id)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end" and kinds.count("end") == 1
    assert events[-1][1]["state"] == "done", events[-1][1]
    steps = [data for kind, data in events if kind == "progress"]
    assert len(steps) >= 3 and all(s["total"] == steps[0]["total"] for s in steps)
    assert [s["done"] for s in steps] == sorted(s["done"] for s in steps)
    assert events[-1][1]["target"] == "/territoires/36"
    [indre] = empty_app.get("/api/territoires").json()
    assert indre["code"] == "36" and indre["communes"] == 241


def test_indre_territory_page_shows_the_map_its_table_and_totals(indre_app):
    page = indre_app.get("/territoires/36?seuil=15")
    assert page.status_code == 200
    assert 'src="/territoires/36/carte?seuil=15"' in page.text
    assert "Communes sans aide humaine à moins de 15 minutes" in page.text
    data = indre_app.get("/api/territoires/36?seuil=15").json()
    human = next(t for t in data["couverture"] if t["mesure"].startswith("Aide humaine"))
    assert 0.9 < human["part_population_couverte"] < 1
    map_page = indre_app.get("/territoires/36/carte?seuil=15")
    assert map_page.status_code == 200 and "leaflet" in map_page.text
    assert map_page.text.count('class="itin-commune') + map_page.text.count("itin-commune") > 0
    assert remote_assets(map_page.text) == []
    table = indre_app.get("/territoires/36/tableau?seuil=15")
    assert "Châteauroux" in table.text and 'href="carte?seuil=15"' in table.text
    csv = indre_app.get("/territoires/36/communes.csv?seuil=15")
    assert csv.content.startswith(b"\xef\xbb\xbf") and csv.text.count("\n") >= 241


def test_a_threshold_out_of_range_is_refused(indre_app):
    assert indre_app.get("/api/territoires/36?seuil=0").status_code == 422
    assert indre_app.get("/api/territoires/36?seuil=abc").status_code == 422


@pytest.mark.slow
def test_loading_the_region_loads_its_six_departements(shared_data, empty_app):
    job = empty_app.post_json("/api/territoires/charger", {"region": "24"}).json()
    assert job["label"] == "Chargement de la région Centre-Val de Loire (24)"
    done = empty_app.wait(job["id"])
    assert done["state"] == "done", done
    codes = [d["code"] for d in empty_app.get("/api/territoires").json()]
    assert codes == ["18", "28", "36", "37", "41", "45"]
    assert done["target"] == "/territoires/region-24"
    home = empty_app.get("/").text
    assert "Loiret (45)" in home and 'href="/territoires/45"' in home
    assert 'href="/territoires/region-24"' in home
    page = empty_app.get("/territoires/region-24?seuil=30")
    assert page.status_code == 200 and 'src="/territoires/region-24/carte?seuil=30"' in page.text
    data = empty_app.get("/api/territoires/region-24?seuil=30").json()
    assert data["nom"] != "" and len(data["couverture"]) >= 2
    indre = empty_app.get("/api/territoires/36?seuil=30").json()
    share = {t["mesure"]: t["part_population_couverte"] for t in data["couverture"]}
    assert share.keys() == {t["mesure"] for t in indre["couverture"]}
    lines = {
        code: empty_app.get(f"/territoires/{code}/communes.csv?seuil=30").text.splitlines()
        for code in ("region-24", "36")
    }
    assert len(lines["region-24"]) > 4 * len(lines["36"]) > 4 * 241  # six départements
    carte = empty_app.get("/territoires/region-24/carte?seuil=30")
    assert carte.status_code == 200 and remote_assets(carte.text) == []
    assert "leaflet" in carte.text.lower()
    assert empty_app.get("/territoires/region-99").status_code == 404
