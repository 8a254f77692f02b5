"""Users' own files imported from the app as ``itinerance data import`` does: validated, stored
in one transaction by a worker, the message naming what is wrong; uploads limited in size and
kind, their temporary copy removed."""

from __future__ import annotations

import pytest

from planner.web.routes.data import MAX_UPLOAD_BYTES

SALLES = (
    "id;nom;insee;pmr;internet;jours;horaires;capacite\n"
    "S1;Salle des fêtes;36236;oui;non;lundi,jeudi;09:00-17:00;20\n"
).encode("cp1252")


def _upload(client, name: str, content: bytes, kind: str = "host_site", **fields):
    return client.post(
        "/donnees/importer",
        data={"csrf_token": client.csrf, "type": kind, **fields},
        files={"fichier": (name, content, "text/csv")},
    )


@pytest.mark.data
def test_a_host_sites_file_is_imported_then_a_clash_is_refused_whole(
    shared_data, make_app, tmp_path
):
    from geodata import status

    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_app(db) as app:
        response = _upload(app, "salles.csv", SALLES)
        assert response.status_code == 200  # the job page, followed
        job_id = response.url.path.rsplit("/", 1)[-1]
        job = app.wait(job_id)
        assert job["state"] == "done", job
        assert job["result"]["summary"][0].startswith("1 lieu d'accueil importé depuis salles.csv")
        again = app.wait(_upload(app, "salles.csv", SALLES).url.path.rsplit("/", 1)[-1])
        assert "déjà importé(s) de ce fichier, remplacé(s)" in again["result"]["summary"][0]
        page = app.get(f"/taches/{job_id}").text
        assert "importé depuis salles.csv" in page and "imports/" not in page
        clash = app.wait(_upload(app, "autres.csv", SALLES).url.path.rsplit("/", 1)[-1])
        assert clash["state"] == "failed" and "already stored from another file" in clash["error"]
        assert status(db).user_items["host_site"] == 1
        assert list((tmp_path / "runs" / "imports").iterdir()) == []


def test_uploads_are_limited_in_size_kind_and_mapping(empty_app):
    assert _upload(empty_app, "big.csv", b"x" * (MAX_UPLOAD_BYTES + 1)).status_code == 413
    assert _upload(empty_app, "salles.exe", SALLES).status_code == 422
    assert _upload(empty_app, "salles.csv", SALLES, kind="commune").status_code == 422
    bad = _upload(empty_app, "salles.csv", SALLES, correspondances="insee")
    assert bad.status_code == 422 and "champ=colonne" in bad.json()["detail"]
    forged = empty_app.post(
        "/donnees/importer",
        data={"type": "host_site"},
        files={"fichier": ("salles.csv", SALLES, "text/csv")},
    )
    assert forged.status_code == 403
    assert empty_app.get("/api/taches").json() == []
