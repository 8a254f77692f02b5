"""Scenarios: the saved list, one scenario with its history (restore an earlier version), the
form editor and the TOML text editor, import and export of the TOML file.

Every save is validated as the CLI validates a file (:func:`planner.scenario.files.parse_scenario`)
and refused with the message next to its field; a valid one is stored as a new version
(:mod:`geodata.scenarios`). Nothing is ever overwritten.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from pydantic import BaseModel, Field
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from planner.web.common import config, page
from planner.web.editor import (
    NEW_SCENARIO,
    EditorForm,
    apply_form,
    error_field,
    masked,
    read_form,
)
from planner.web.routes.plans import runs_of
from planner.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])

MAX_TOML_BYTES = 1_000_000
AUTHOR_COOKIE = "itinerance_auteur"


class ScenarioOut(BaseModel):
    key: str
    version: int
    name: str
    author: str
    note: str
    saved_at: str
    toml: str | None = None


class ScenarioIn(BaseModel):
    toml: str = Field(max_length=MAX_TOML_BYTES)
    author: str = Field(min_length=1, max_length=100)
    note: str = Field("", max_length=500)


def _out(saved: Any, with_text: bool = False) -> ScenarioOut:
    return ScenarioOut(
        key=saved.key,
        version=saved.version,
        name=saved.name,
        author=saved.author,
        note=saved.note,
        saved_at=saved.saved_at.isoformat(timespec="seconds"),
        toml=saved.toml if with_text else None,
    )


def check_text(text: str, key: str) -> str | None:
    """None when ``text`` is a valid scenario, else the validator's one-line message."""
    from planner.errors import ScenarioError
    from planner.scenario.files import parse_scenario

    try:
        parse_scenario(text, f"{key}.toml")
    except ScenarioError as exc:
        return str(exc)
    return None


def _name_of(text: str) -> str:
    import tomllib

    return str(tomllib.loads(text).get("name", ""))


def _new_key(db: str | None, name: str) -> str:
    from geodata.scenarios import scenario_key, scenario_version

    base = scenario_key(name)
    key, n = base, 1
    while scenario_version(db, key) is not None:
        n += 1
        key = f"{base}-{n}"
    return key


def _latest(db: str | None, key: str, version: int | None = None) -> Any:
    from geodata.errors import DataError
    from geodata.scenarios import scenario_version

    try:
        saved = scenario_version(db, key, version)
    except DataError:
        saved = None
    if saved is None:
        raise HTTPException(
            404, f"scénario inconnu : {key}" + (f" version {version}" if version else "")
        )
    return saved


def _save(db: str | None, key: str | None, text: str, author: str, note: str = "") -> Any:
    from geodata.scenarios import save_scenario

    name = _name_of(text)
    return save_scenario(
        db, key or _new_key(db, name), name, text, author.strip() or "anonyme", note
    )


def _author(request: Request) -> str:
    return request.cookies.get(AUTHOR_COOKIE, "")


# --- list, import ---------------------------------------------------------------------------------
@router.get("/scenarios", response_class=HTMLResponse, include_in_schema=False)
def scenario_list(request: Request) -> Response:
    from geodata.scenarios import saved_scenarios

    return page(
        request,
        "scenarios.html",
        scenarios=saved_scenarios(config(request).db),
        author=_author(request),
    )


@router.get("/api/scenarios", tags=["scénarios"])
def api_scenarios(request: Request) -> list[ScenarioOut]:
    """The newest version of every saved scenario."""
    from geodata.scenarios import saved_scenarios

    return [_out(s) for s in saved_scenarios(config(request).db)]


@router.post("/api/scenarios", status_code=201, tags=["scénarios"])
def api_create(request: Request, body: ScenarioIn) -> ScenarioOut:
    """Save a new scenario from its TOML text (422 with the validator's message if invalid)."""
    problem = check_text(body.toml, "nouveau")
    if problem:
        raise HTTPException(422, problem)
    return _out(_save(config(request).db, None, body.toml, body.author, body.note), True)


@router.post("/scenarios/importer", include_in_schema=False)
async def import_file(request: Request, fichier: UploadFile, auteur: str = Form("")) -> Response:
    from geodata.scenarios import saved_scenarios

    raw = await fichier.read(MAX_TOML_BYTES + 1)
    problem = None
    if len(raw) > MAX_TOML_BYTES:
        problem = f"{fichier.filename} : fichier trop gros (plus de {MAX_TOML_BYTES // 1000} ko)"
        text = ""
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem, text = f"{fichier.filename} : le scénario doit être un texte UTF-8", ""
    problem = problem or check_text(text, (fichier.filename or "import").removesuffix(".toml"))
    if problem:
        return page(
            request,
            "scenarios.html",
            status_code=422,
            scenarios=saved_scenarios(config(request).db),
            author=auteur,
            import_error=problem,
        )
    saved = _save(config(request).db, None, text, auteur, f"importé de {fichier.filename}")
    return RedirectResponse(f"/scenarios/{saved.key}", status_code=303)


# --- one scenario -------------------------------------------------------------------------------
@router.get("/scenarios/nouveau", response_class=HTMLResponse, include_in_schema=False)
def new_form(request: Request) -> Response:
    return _editor(request, None, NEW_SCENARIO, read_form(NEW_SCENARIO))


@router.get("/scenarios/{key}", response_class=HTMLResponse, include_in_schema=False)
def scenario_page(request: Request, key: str, personnel: bool = False) -> Response:
    from geodata.scenarios import scenario_history

    saved = _latest(config(request).db, key)
    text, hidden = (saved.toml, 0) if personnel else masked(saved.toml)
    return page(
        request,
        "scenario.html",
        saved=saved,
        text=text,
        hidden=hidden,
        history=scenario_history(config(request).db, key),
        problem=check_text(saved.toml, key),
        plans=_plans_of(request, key),
    )


def _plans_of(request: Request, key: str) -> list[dict[str, Any]]:
    return runs_of(config(request).runs, key)


@router.get("/api/scenarios/{key}", tags=["scénarios"])
def api_scenario(request: Request, key: str, version: int | None = None) -> dict[str, Any]:
    """A scenario (its newest version, or ``version``) with its TOML text and its history."""
    from geodata.scenarios import scenario_history

    saved = _latest(config(request).db, key, version)
    return {
        **_out(saved, True).model_dump(),
        "history": [_out(s).model_dump() for s in scenario_history(config(request).db, key)],
    }


@router.post("/api/scenarios/{key}", tags=["scénarios"])
def api_update(request: Request, key: str, body: ScenarioIn) -> ScenarioOut:
    """Save a new version of a scenario (422 with the validator's message if invalid)."""
    _latest(config(request).db, key)
    problem = check_text(body.toml, key)
    if problem:
        raise HTTPException(422, problem)
    return _out(_save(config(request).db, key, body.toml, body.author, body.note), True)


@router.get("/scenarios/{key}/toml", tags=["scénarios"])
def export_toml(request: Request, key: str, version: int | None = None) -> Response:
    """The scenario's TOML file, as the CLI reads it (``version``: an earlier one)."""
    saved = _latest(config(request).db, key, version)
    return Response(
        saved.toml.encode("utf-8"),
        media_type="application/toml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{key}.toml"'},
    )


@router.post("/scenarios/{key}/restaurer", include_in_schema=False)
def restore_form(
    request: Request, key: str, version: int = Form(...), auteur: str = Form("")
) -> Response:
    _restore(request, key, version, auteur)
    return RedirectResponse(f"/scenarios/{key}", status_code=303)


class RestoreIn(BaseModel):
    version: int
    author: str = Field(min_length=1, max_length=100)


@router.post("/api/scenarios/{key}/restaurer", tags=["scénarios"])
def api_restore(request: Request, key: str, body: RestoreIn) -> ScenarioOut:
    """Save an earlier version again as the newest one."""
    return _out(_restore(request, key, body.version, body.author), True)


def _restore(request: Request, key: str, version: int, author: str) -> Any:
    old = _latest(config(request).db, key, version)
    return _save(
        config(request).db,
        key,
        old.toml,
        author or _author(request),
        f"restauration de la version {version}",
    )


# --- editors ------------------------------------------------------------------------------------
def _editor(
    request: Request,
    key: str | None,
    text: str,
    form: EditorForm,
    status_code: int = 200,
    author: str | None = None,
    personal: bool = False,
) -> Response:
    communes, deps = _communes(request, text)
    return page(
        request,
        "editor.html",
        status_code=status_code,
        key=key,
        form=form,
        text=text,
        author=author if author is not None else _author(request),
        communes=communes,
        map_departements=deps,
        blank_stop=_blank_stop(),
        personal=personal,
    )


def _blank_stop() -> list[Any]:
    row = read_form(_BLANK_STOP).stops[0]
    _renumber(row, "stops.list", "__i__")
    return row


def _communes(request: Request, text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(code, name) of the scenario's départements' communes, for the fields' suggestions, and
    those départements (the loaded ones)."""
    import tomllib

    from geodata import commune_points, loaded_departements

    try:
        deps = tomllib.loads(text).get("territory", {}).get("departements", [])
        loaded = set(loaded_departements(config(request).db))
    except Exception:  # an unreadable text or database: no suggestions
        return [], []
    out = []
    shown = [d for d in deps if isinstance(d, str) and d in loaded]
    for dep in shown:
        out += [(c.code, c.name) for c in commune_points(config(request).db, departement=dep)]
    return sorted(out, key=lambda c: c[1]), shown


@router.get("/scenarios/{key}/modifier", response_class=HTMLResponse, include_in_schema=False)
def edit_form(request: Request, key: str, personnel: bool = False) -> Response:
    saved = _latest(config(request).db, key)
    return _editor(request, key, saved.toml, read_form(saved.toml, personnel), personal=personnel)


def _submitted(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _post_editor(request: Request, key: str | None) -> Response:
    from tomlkit.exceptions import TOMLKitError

    posted = _submitted(await request.form())
    author = posted.get("auteur", "").strip()
    personal = posted.get("personnel") == "1"
    base = _latest(config(request).db, key).toml if key else NEW_SCENARIO
    action = posted.get("action", "enregistrer")
    try:
        text = apply_form(base, posted)
    except (TOMLKitError, ValueError) as exc:
        form = read_form(base, personal)
        form.errors.append(f"valeur impossible à écrire en TOML : {exc}")
        return _editor(request, key, base, form, 422, author, personal)
    form = read_form(text, personal)
    if action in _ADD_ROW:
        prefix, attribute, blank = _ADD_ROW[action]
        rows = getattr(form, attribute)
        row = getattr(read_form(blank, personal), attribute)[0]
        _renumber(row, prefix, len(rows))
        rows.append(row)
        if attribute == "vehicles":
            form.no_lunch.append(False)
        return _editor(request, key, base, form, 200, author, personal)
    problem = check_text(text, key or "nouveau")
    if problem is None and not author:
        form.errors.append("Indiquez votre nom (auteur de la version).")
        return _editor(request, key, base, form, 422, author, personal)
    if problem:
        return _editor(request, key, base, error_field(problem, form), 422, author, personal)
    saved = _save(config(request).db, key, text, author, posted.get("note", ""))
    response = RedirectResponse(f"/scenarios/{saved.key}", status_code=303)
    response.set_cookie(AUTHOR_COOKIE, author, samesite="strict", httponly=True)
    return response


_BLANK_VEHICLE = '[[vehicles]]\nid = ""\n'
_BLANK_STOP = '[[stops.list]]\ncommune = ""\n'
_BLANK_REQUEST = '[[requests]]\nid = ""\n'
# The buttons that add an empty row: action → (field prefix, EditorForm attribute, blank TOML).
_ADD_ROW = {
    "ajouter-vehicule": ("vehicles", "vehicles", _BLANK_VEHICLE),
    "ajouter-arret": ("stops.list", "stops", _BLANK_STOP),
    "ajouter-demande": ("requests", "requests", _BLANK_REQUEST),
}


def _renumber(row: list[Any], prefix: str, index: int | str) -> None:
    for f in row:
        f.name = f"{prefix}[{index}]." + f.name.split("].", 1)[1]
        f.value = "" if f.kind != "bool" else f.value


@router.post("/scenarios/nouveau", include_in_schema=False)
async def create_from_form(request: Request) -> Response:
    return await _post_editor(request, None)


@router.post("/scenarios/{key}/modifier", include_in_schema=False)
async def update_from_form(request: Request, key: str) -> Response:
    return await _post_editor(request, key)


@router.get("/scenarios/{key}/texte", response_class=HTMLResponse, include_in_schema=False)
def text_form(request: Request, key: str) -> Response:
    saved = _latest(config(request).db, key)
    return page(
        request, "text_editor.html", key=key, text=saved.toml, author=_author(request), problem=None
    )


@router.post("/scenarios/{key}/texte", include_in_schema=False)
def text_save(
    request: Request,
    key: str,
    toml: str = Form(..., max_length=MAX_TOML_BYTES),
    auteur: str = Form(""),
    note: str = Form(""),
) -> Response:
    _latest(config(request).db, key)
    toml = toml.replace("\r\n", "\n")  # browsers send text areas with CRLF line ends
    problem = check_text(toml, key) or (
        None if auteur.strip() else "Indiquez votre nom (auteur de la version)."
    )
    if problem:
        return page(
            request,
            "text_editor.html",
            status_code=422,
            key=key,
            text=toml,
            author=auteur,
            problem=problem,
        )
    saved = _save(config(request).db, key, toml, auteur, note)
    return RedirectResponse(f"/scenarios/{saved.key}", status_code=303)
