"""The app's skeleton: home page, JSON API and its schema, CSRF, escaping, local assets, access
token, the ``itinerance app`` command."""

from __future__ import annotations

import pytest

from planner.web.assets import STATIC_DIR, local_assets, remote_assets
from planner.web.security import is_loopback


def test_home_page_on_an_empty_database_offers_to_load_a_departement(empty_app):
    response = empty_app.get("/")
    assert response.status_code == 200
    assert "Aucun territoire n’est encore chargé" in response.text
    assert '<option value="36" selected>Indre (36)</option>' in response.text
    assert empty_app.get("/api/territoires").json() == []


def test_openapi_schema_documents_the_api_and_not_the_pages(empty_app):
    schema = empty_app.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/territoires", "/api/territoires/{code}", "/api/taches/{job_id}"} <= paths
    assert "/" not in paths and "/taches/{job_id}" not in paths


def test_post_without_the_csrf_token_is_refused(empty_app):
    response = empty_app.post("/api/territoires/charger", json={"departement": "36"})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    response = empty_app.post("/territoires/charger", data={"departement": "36"})
    assert response.status_code == 403
    forged = empty_app.post(
        "/territoires/charger", data={"departement": "36", "csrf_token": "x" * 43}
    )
    assert forged.status_code == 403


def test_post_from_another_origin_is_refused_even_with_the_token(empty_app):
    response = empty_app.post(
        "/api/territoires/charger",
        json={"departement": "36"},
        headers={"X-CSRF-Token": empty_app.csrf, "Origin": "http://evil.example"},
    )
    assert response.status_code == 403 and "origine" in response.json()["detail"]


def test_unknown_departement_is_a_404_in_french(empty_app):
    response = empty_app.post_json("/api/territoires/charger", {"departement": "<script>"})
    assert response.status_code == 404 and "département inconnu" in response.json()["detail"]
    assert empty_app.get("/territoires/99").status_code == 404


def test_a_departement_not_loaded_has_no_map(empty_app):
    response = empty_app.get("/api/territoires/36")
    assert response.status_code == 404 and "pas chargé" in response.json()["detail"]


def test_local_assets_point_folium_cdn_links_at_files_the_app_serves(empty_app):
    html = (
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
        '<link rel="stylesheet" href="https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/'
        'bootstrap-glyphicons.css"/>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/'
        'fontawesome-free@6.2.0/css/all.min.css"/>'
        '<a href="https://www.openstreetmap.org/copyright">OSM</a>'
    )
    out = local_assets(html)
    assert remote_assets(out) == []
    assert "openstreetmap.org/copyright" in out  # a link to follow, not a load
    for url in (
        "/static/vendor/leaflet@1.9.3/leaflet.js",
        "/static/vendor/fontawesome-free@6.2.0/css/all.min.css",
    ):
        assert url in out
        assert (STATIC_DIR / url.removeprefix("/static/")).is_file()
        assert empty_app.get(url).status_code == 200
    assert empty_app.get("/static/vendor/htmx.org@2.0.4/htmx.min.js").status_code == 200


def test_static_files_cannot_escape_their_folder(empty_app):
    assert empty_app.get("/static/../config.py").status_code == 404
    assert empty_app.get("/static/%2e%2e/config.py").status_code == 404


def test_every_vendored_package_carries_its_licence():
    vendor = STATIC_DIR / "vendor"
    packages = [p for p in vendor.iterdir() if p.is_dir()]
    assert len(packages) >= 6
    for package in packages:
        assert any(f.name.upper().startswith("LICEN") for f in package.iterdir()), package


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
    ],
)
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_with_a_token_every_request_needs_it(make_app, tmp_path):
    with make_app(f"sqlite:///{tmp_path / 'db.sqlite'}", token="s3cret") as client:
        assert client.get("/api/territoires").status_code == 401
        assert (
            client.get("/api/territoires", headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        ok = client.get("/api/territoires", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        first = client.get("/?token=s3cret", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/"
        assert client.get("/").status_code == 200  # the cookie now carries it


def test_app_command_refuses_a_bad_port(run_cli):
    code, _out, err = run_cli("app", "--port", "70000")
    assert code == 2 and "--port" in err


def test_an_unknown_region_or_both_a_region_and_a_departement_are_refused(empty_app):
    for body in ({"region": "99"}, {"region": "24", "departement": "36"}, {}):
        response = empty_app.post_json("/api/territoires/charger", body)
        assert response.status_code == 404, body
