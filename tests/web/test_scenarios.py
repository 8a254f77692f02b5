"""Scenarios in the app: the form editor writes the TOML the CLI reads (byte for byte when
nothing changed), a bad value is refused with its message next to its field, every save is a
version that can be restored, import and export of the file."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

from planner.scenario.files import parse_scenario
from planner.web.editor import NEW_SCENARIO, apply_form, read_form

REPO = Path(__file__).resolve().parents[2]
DEUX_VANS = REPO / "scenarios" / "deux-vans-indre.toml"


def _form_of(text: str) -> dict[str, str]:
    """What a browser posts for the editor of ``text`` when the user changes nothing."""
    form = read_form(text)
    posted = {}
    for f in form.fields():
        if f.kind == "bool":
            if f.value:
                posted[f.name] = "on"
        else:
            posted[f.name] = f.value
    for i, no_lunch in enumerate(form.no_lunch):
        if no_lunch:
            posted[f"vehicles[{i}].sans_pause"] = "on"
    return posted


def _new(client, **changes: str):
    posted = {**_form_of(NEW_SCENARIO), "auteur": "Camille", "stops.list[0].commune": "36124"}
    posted |= changes
    return client.post_form("/scenarios/nouveau", posted, follow_redirects=False)


def test_every_example_scenario_round_trips_through_the_form_unchanged():
    for path in sorted((REPO / "scenarios").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        assert apply_form(text, _form_of(text)) == text, path.name


def test_a_form_edit_changes_only_its_key_and_keeps_the_comments():
    text = DEUX_VANS.read_text(encoding="utf-8")
    posted = _form_of(text) | {"vehicles[0].shift": "09:00-17:00", "stops.list[0].supprimer": "on"}
    posted |= {"stops.list[19].commune": "36001", "stops.list[19].frequency": "weekly"}
    out = apply_form(text, posted)
    data = tomllib.loads(out)
    assert data["vehicles"][0]["shift"] == "09:00-17:00"
    communes = [s["commune"] for s in data["stops"]["list"]]
    assert communes[0] == "36124" and communes[-1] == "36001" and len(communes) == 19
    assert data["stops"]["list"][-1]["frequency"] == "weekly"
    assert "# Deux vans pour l'Indre" in out and "# Migné" in out
    parse_scenario(out, "deux-vans.toml")  # still valid for the CLI


def test_creating_a_scenario_with_the_form_stores_a_toml_the_cli_reads(empty_app):
    response = _new(
        empty_app,
        name="Van de la Brenne",
        **{"stops.list[0].commune": "36124", "stops.list[1].commune": "36160"},
        **{"stops.list[1].frequency": "fortnightly", "stops.list[1].mandatory": "non"},
    )
    assert response.status_code == 303, response.text
    key = response.headers["location"].rsplit("/", 1)[-1]
    assert key == "van-de-la-brenne"
    text = empty_app.get(f"/scenarios/{key}/toml").text
    f = parse_scenario(text, "x.toml")
    assert f.scenario.name == "Van de la Brenne"
    assert [s.commune for s in f.scenario.stops.entries] == ["36124", "36160"]
    assert f.scenario.stops.entries[1].mandatory is False
    listed = empty_app.get("/api/scenarios").json()
    assert [(s["key"], s["version"], s["author"]) for s in listed] == [(key, 1, "Camille")]
    page = empty_app.get(f"/scenarios/{key}").text
    assert "Version 1, enregistrée par Camille" in page and 'id="planifier"' in page


def test_a_bad_value_is_refused_with_the_message_next_to_its_field(empty_app):
    response = _new(empty_app, **{"vehicles[0].shift": "25:00-17:30"})
    assert response.status_code == 422
    field = re.search(r'<div class="field field-error">(.*?)</div>', response.text, re.S)
    assert field is not None and 'name="vehicles[0].shift"' in field.group(1)
    assert 'expected "HH:MM-HH:MM", got "25:00-17:30"' in html.unescape(field.group(1))
    assert 'value="25:00-17:30"' in response.text  # what the user typed is kept
    assert empty_app.get("/api/scenarios").json() == []  # nothing saved


def test_an_unknown_frequency_of_a_stop_lands_on_that_stop(empty_app):
    response = _new(
        empty_app,
        **{"stops.list[0].commune": "36124", "stops.list[1].commune": "3612"},
    )
    assert response.status_code == 422
    assert 'id="stops.list[1].commune-erreur"' in response.text
    assert "expected an INSEE commune code" in response.text


def test_adding_a_stop_row_does_not_save(empty_app):
    response = _new(empty_app, action="ajouter-arret")
    assert response.status_code == 200
    assert 'name="stops.list[1].commune"' in response.text
    assert empty_app.get("/api/scenarios").json() == []


def test_user_text_is_escaped_in_every_page(empty_app):
    hostile = "<script>alert(1)</script>"
    response = _new(
        empty_app,
        name=f"Van {hostile}",
        description=hostile,
        **{"stops.list[0].commune": "36124", "stops.list[0].name": hostile},
    )
    assert response.status_code == 303
    key = response.headers["location"].rsplit("/", 1)[-1]
    for url in ("/", "/scenarios", f"/scenarios/{key}", f"/scenarios/{key}/modifier"):
        text = empty_app.get(url).text
        assert "<script>alert" not in text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, url


def test_imported_file_round_trips_byte_for_byte_and_history_restores(empty_app):
    raw = DEUX_VANS.read_bytes()
    response = empty_app.post(
        "/scenarios/importer",
        data={"csrf_token": empty_app.csrf, "auteur": "Dominique"},
        files={"fichier": ("deux-vans-indre.toml", raw, "application/toml")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    key = response.headers["location"].rsplit("/", 1)[-1]
    assert empty_app.get(f"/scenarios/{key}/toml").content == raw
    # the form saved with no change: a second version, the same bytes
    text = raw.decode("utf-8")
    saved = empty_app.post_form(
        f"/scenarios/{key}/modifier", {**_form_of(text), "auteur": "Dominique"}
    )
    assert saved.status_code == 200
    assert empty_app.get(f"/scenarios/{key}/toml").content == raw
    # a change, then the first version restored as the newest
    changed = empty_app.post_form(
        f"/scenarios/{key}/modifier", {**_form_of(text), "name": "Trois vans", "auteur": "Lou"}
    )
    assert changed.status_code == 200
    data = empty_app.get(f"/api/scenarios/{key}").json()
    assert data["name"] == "Trois vans" and data["version"] == 3
    restore = empty_app.post_json(
        f"/api/scenarios/{key}/restaurer", {"version": 1, "author": "Lou"}
    )
    assert restore.status_code == 200 and restore.json()["version"] == 4
    assert empty_app.get(f"/scenarios/{key}/toml").content == raw
    history = empty_app.get(f"/api/scenarios/{key}").json()["history"]
    assert [(h["version"], h["author"]) for h in history] == [
        (4, "Lou"),
        (3, "Lou"),
        (2, "Dominique"),
        (1, "Dominique"),
    ]
    assert history[0]["note"] == "restauration de la version 1"


def test_import_refuses_an_invalid_or_non_utf8_file_with_its_message(empty_app):
    for content, needle in (
        (b'schema_version = 1\nname = "x"\n[horizon]\nweeks = 3\n', "weeks"),
        ("name = 'é'".encode("cp1252"), "UTF-8"),
    ):
        response = empty_app.post(
            "/scenarios/importer",
            data={"csrf_token": empty_app.csrf, "auteur": "A"},
            files={"fichier": ("s.toml", content, "application/toml")},
        )
        assert response.status_code == 422 and needle in response.text
    assert empty_app.get("/api/scenarios").json() == []


def test_api_refuses_an_invalid_scenario_with_the_validators_line(empty_app):
    response = empty_app.post_json("/api/scenarios", {"toml": "name = 1\n", "author": "A"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("nouveau.toml:1:")


def test_text_editor_saves_a_valid_text_and_refuses_a_broken_one(empty_app):
    key = _new(empty_app).headers["location"].rsplit("/", 1)[-1]
    bad = empty_app.post_form(f"/scenarios/{key}/texte", {"toml": "name = [", "auteur": "A"})
    assert bad.status_code == 422 and "invalid TOML" in bad.text
    good_text = NEW_SCENARIO.replace("Nouveau scénario", "Texte édité")
    good_text += '\n[[stops.list]]\ncommune = "36124"\n'
    good = empty_app.post_form(
        f"/scenarios/{key}/texte", {"toml": good_text.replace("\n", "\r\n"), "auteur": "A"}
    )
    assert good.status_code == 200
    assert empty_app.get(f"/scenarios/{key}/toml").text == good_text


def test_working_days_features_window_and_pinned_day_are_written_as_the_cli_reads_them():
    posted = _form_of(NEW_SCENARIO) | {
        "vehicles[0].weekdays": "lundi, mardi",
        "vehicles[0].features": "pmr",
        "vehicles[0].wheelchair_places": "2",
        "stops.list[0].commune": "36124",
        "stops.list[0].window": "10:00-16:00",
        "stops.list[0].day": "2e mardi",
    }
    f = parse_scenario(apply_form(NEW_SCENARIO, posted), "x.toml")
    van, stop = f.scenario.vehicles[0], f.scenario.stops.entries[0]
    assert van.weekdays == [0, 1] and van.features == ["pmr"] and van.wheelchair_places == 2
    assert stop.window == (600.0, 960.0) and stop.day is not None


def test_candidates_are_written_as_the_cli_reads_them():
    posted = _form_of(NEW_SCENARIO) | {
        "stops.list[0].commune": "36124",
        "candidates.communes": "all",
        "candidates.max": "12",
    }
    f = parse_scenario(apply_form(NEW_SCENARIO, posted), "x.toml")
    assert f.scenario.candidates is not None and f.scenario.candidates.max == 12
    assert f.scenario.candidates.communes == "all"
    listed = apply_form(NEW_SCENARIO, posted | {"candidates.communes": "36001, 36002"})
    assert tomllib.loads(listed)["candidates"]["communes"] == ["36001", "36002"]
    assert "[candidates]" not in apply_form(NEW_SCENARIO, _form_of(NEW_SCENARIO))


def test_requesters_personal_data_is_masked_unless_asked(empty_app):
    text = NEW_SCENARIO.replace("[solver]", "[[requests]]\n[solver]")
    text = text.replace(
        "[[requests]]\n",
        '[[requests]]\nid = "r1"\ncommune = "36124"\nrequester_name = "Jeanne Dupont"\n'
        'requester_phone = "06 12 34 56 78"\n\n',
    )
    created = empty_app.post_json("/api/scenarios", {"toml": text, "author": "A"})
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    page = empty_app.get(f"/scenarios/{key}").text
    assert "Jeanne Dupont" not in page and "06 12 34 56 78" not in page
    assert "2 donnée(s) personnelle(s) des demandeurs masquée(s)" in page
    asked = empty_app.get(f"/scenarios/{key}?personnel=1").text
    assert "Jeanne Dupont" in asked
    assert "Jeanne Dupont" in empty_app.get(f"/scenarios/{key}/toml").text  # the user's own file


REQUEST_TEXT = NEW_SCENARIO + (
    '\n[[stops.list]]\ncommune = "36124"\n\n[[requests]]\nid = "r1"\ncommune = "36160"\n'
    'duration = 45\nrequester_name = "Jeanne Dupont"\nrequester_phone = "06 12 34 56 78"\n'
)


def test_requests_are_edited_with_personal_data_hidden_and_kept(empty_app):
    key = empty_app.post_json("/api/scenarios", {"toml": REQUEST_TEXT, "author": "A"}).json()["key"]
    editor = empty_app.get(f"/scenarios/{key}/modifier").text
    assert 'name="requests[0].duration" value="45"' in editor
    assert "Jeanne Dupont" not in editor and "requester_name" not in editor
    # a change to the request without its personal fields keeps them as they are
    posted = {**_form_of(REQUEST_TEXT), "requests[0].duration": "90", "auteur": "A"}
    assert empty_app.post_form(f"/scenarios/{key}/modifier", posted).status_code == 200
    data = tomllib.loads(empty_app.get(f"/scenarios/{key}/toml").text)
    assert data["requests"][0]["duration"] == 90
    assert data["requests"][0]["requester_name"] == "Jeanne Dupont"
    shown = empty_app.get(f"/scenarios/{key}/modifier?personnel=1").text
    assert 'name="requests[0].requester_name" value="Jeanne Dupont"' in shown


def test_adding_a_request_row_then_saving_writes_it(empty_app):
    base = {**_form_of(NEW_SCENARIO), "stops.list[0].commune": "36124", "auteur": "A"}
    added = empty_app.post_form("/scenarios/nouveau", {**base, "action": "ajouter-demande"})
    assert added.status_code == 200 and 'name="requests[0].id"' in added.text
    saved = empty_app.post_form(
        "/scenarios/nouveau",
        {**base, "requests[0].id": "visite-1", "requests[0].commune": "36160"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    text = empty_app.get(saved.headers["location"] + "/toml").text
    assert tomllib.loads(text)["requests"] == [{"id": "visite-1", "commune": "36160"}]


def test_costs_and_budget_are_written_as_the_cli_reads_them_and_emptied_away():
    posted = _form_of(NEW_SCENARIO) | {
        "stops.list[0].commune": "36124",
        "costs.staff_cost_per_hour": "28",
        "costs.fuel_price_per_l": "1,85",
        "costs.include_public_aid": "on",
        "budget.max_per_year": "86001",
        "budget.basis": "net",
        "vehicles[0].purchase_cost": "120000",
        "vehicles[0].staff": "2",
    }
    text = apply_form(NEW_SCENARIO, posted)
    f = parse_scenario(text, "x.toml")
    costs, budget = f.scenario.costs, f.scenario.budget
    assert costs.staff_cost_per_hour == 28 and costs.fuel_price_per_l == 1.85
    assert costs.include_public_aid is True and costs.purchase_cost == 90000  # default kept
    assert budget is not None and (budget.max_per_year, budget.basis) == (86001, "net")
    van = tomllib.loads(text)["vehicles"][0]
    assert (van["purchase_cost"], van["staff"]) == (120000, 2)
    assert apply_form(text, _form_of(text)) == text  # stable once written
    form = read_form(text)
    shown = {f.name: f.value for f in form.costs}
    assert shown["budget.max_per_year"] == "86001" and shown["budget.basis"] == "net"
    emptied = _form_of(text) | {"budget.max_per_year": "", "budget.basis": ""}
    emptied.pop("costs.include_public_aid")
    emptied |= {"costs.staff_cost_per_hour": "", "costs.fuel_price_per_l": ""}
    out = apply_form(text, emptied)
    assert "[budget]" not in out and "[costs]" not in out
    parse_scenario(out, "x.toml")


def test_a_negative_budget_or_a_bad_basis_is_refused_next_to_its_field(empty_app):
    response = _new(empty_app, **{"budget.max_per_year": "-5"})
    assert response.status_code == 422
    assert 'id="budget.max_per_year-erreur"' in response.text
    response = _new(empty_app, **{"budget.max_per_year": "5000", "budget.basis": "brut"})
    assert response.status_code == 422
    assert 'id="budget.basis-erreur"' in response.text
    assert 'value="brut" selected' in response.text  # what the user chose is kept
    response = _new(empty_app, **{"costs.lifetime_years": "0"})
    assert response.status_code == 422 and 'id="costs.lifetime_years-erreur"' in response.text
    assert empty_app.get("/api/scenarios").json() == []
