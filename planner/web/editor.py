"""The scenario editor's form, read from and written into the TOML text the CLI reads.

The form shows the main keys of a scenario (name, territory, cycle, vehicles with base, shift and
lunch, stops by commune with frequency, permanence and mandatory) as text fields named by their
key path in the file (``vehicles[0].shift``, ``stops.list[2].commune``), so that the
``FILE:LINE: key: message`` of :class:`~planner.errors.ScenarioError` lands next to its field.

Writing goes through :mod:`tomlkit` on the scenario's own text: a field the user did not change is
not touched, so comments, order and every key the form does not show are kept, and a scenario
saved without changes is byte for byte the same. Values are typed as the file's values are
(``"08:30-17:30"``, ``"demi-journée"``, ``60``): the scenario's validator, not this module,
decides what is right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

__all__ = [
    "NEW_SCENARIO",
    "masked",
    "EditorForm",
    "FieldValue",
    "apply_form",
    "error_field",
    "read_form",
]

NEW_SCENARIO = """\
schema_version = 1
name = "Nouveau scénario"
description = ""

[territory]
departements = ["36"]

[horizon]
monthly = true

[[vehicles]]
id = "van"
name = "Van France Services"
base = "36044"
shift = "08:30-17:30"
lunch = { window = "12:00-14:00", duration = 60 }

[stops]
permanence = "demi-journée"
frequency = "monthly"
mandatory = true

[solver]
time_limit = 30
seed = 0
"""

FREQUENCIES = (
    ("weekly", "chaque semaine"),
    ("fortnightly", "toutes les deux semaines"),
    ("monthly", "chaque mois"),
)


@dataclass(frozen=True)
class Spec:
    path: tuple[str, ...]
    label: str
    kind: str = "text"  # text, number, list, bool, choice, tri (default / oui / non)
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()


TOP = (
    Spec(("name",), "Nom du scénario"),
    Spec(("description",), "Description"),
    Spec(("territory", "departements"), "Départements (codes, séparés par des virgules)", "list"),
    Spec(("horizon", "monthly"), "Cycle mensuel (« 2e mardi du mois »)", "bool"),
    Spec(("horizon", "weeks"), "Semaines du cycle (1, 2 ou 4)", "number", "selon le cycle"),
    Spec(("stops", "permanence"), "Permanence par défaut", "text", "demi-journée"),
    Spec(("stops", "frequency"), "Fréquence par défaut", "choice", "", FREQUENCIES),
    Spec(("stops", "window"), "Plage horaire de la salle", "text", "09:00-17:00"),
    Spec(("stops", "mandatory"), "Arrêts obligatoires par défaut", "bool"),
    Spec(
        ("candidates", "communes"),
        "Communes candidates (all, ou codes INSEE)",
        "candidates",
        "aucune",
    ),
    Spec(("candidates", "max"), "Nombre maximal de candidates", "number", "sans limite"),
    Spec(
        ("candidates", "without_france_services_within"),
        "Candidates à plus de … minutes d’une France Services",
        "number",
        "le seuil de couverture",
    ),
    Spec(("coverage", "threshold"), "Seuil de couverture (minutes)", "number", "30"),
    Spec(("solver", "time_limit"), "Temps de calcul (secondes)", "number", "30"),
)
VEHICLE = (
    Spec(("id",), "Identifiant"),
    Spec(("name",), "Nom"),
    Spec(("base",), "Base (code INSEE de la commune)", "commune"),
    Spec(("shift",), "Service", "text", "08:30-17:30"),
    Spec(("lunch", "window"), "Pause déjeuner, plage", "text", "12:00-14:00"),
    Spec(("lunch", "duration"), "Pause déjeuner, durée (min)", "number", "60"),
    Spec(("weekdays",), "Jours travaillés", "list", "ceux du cycle (lundi, mardi…)"),
    Spec(("features",), "Équipements (pmr…)", "list", "aucun"),
    Spec(("wheelchair_places",), "Places pour fauteuil roulant", "number", "0"),
    Spec(("cost_per_km",), "Coût par km (€)", "number", "0"),
    Spec(("cost_per_hour",), "Coût par heure de service (€)", "number", "0"),
    Spec(("count",), "Nombre de véhicules identiques", "number", "1"),
    # Its own rates of the yearly cost model (default: those of [costs]).
    Spec(("staff",), "Agents à bord", "number", "1"),
    Spec(("purchase_cost",), "Prix d’achat (€)", "number", "celui de [costs]"),
    Spec(("lifetime_years",), "Durée d’amortissement (ans)", "number", "celle de [costs]"),
    Spec(("upkeep_per_year",), "Entretien par an (€)", "number", "celui de [costs]"),
    Spec(("fuel_l_per_100km",), "Consommation (l/100 km)", "number", "celle de [costs]"),
    Spec(("co2_kg_per_km",), "CO2 (kg/km)", "number", "selon la consommation"),
)
STOP = (
    Spec(("commune",), "Commune (code INSEE)", "commune"),
    Spec(("name",), "Nom affiché", "text", "le nom de la commune"),
    Spec(("frequency",), "Fréquence", "choice", "", (("", "par défaut"), *FREQUENCIES)),
    Spec(("permanence",), "Permanence", "text", "par défaut"),
    Spec(("window",), "Plage horaire", "text", "par défaut"),
    Spec(("day",), "Jour fixé", "text", "2e mardi…"),
    Spec(("mandatory",), "Obligatoire", "tri"),
)
BASES = (("", "par défaut (brut)"), ("gross", "brut"), ("net", "net des aides publiques"))
# [costs] (the rates of planner.analysis.costs, defaults in docs/compare.md) and [budget].
COSTS = (
    Spec(("costs", "staff_cost_per_hour"), "Coût horaire d’un agent (€)", "number", "25"),
    Spec(("costs", "fuel_price_per_l"), "Prix du carburant (€/l)", "number", "1,70"),
    Spec(("costs", "fuel_l_per_100km"), "Consommation (l/100 km)", "number", "11"),
    Spec(("costs", "purchase_cost"), "Prix d’achat d’un véhicule (€)", "number", "90000"),
    Spec(("costs", "lifetime_years"), "Durée d’amortissement (ans)", "number", "10"),
    Spec(("costs", "upkeep_per_year"), "Entretien par véhicule et par an (€)", "number", "3000"),
    Spec(("costs", "interest_rate"), "Taux d’intérêt de l’emprunt", "number", "0"),
    Spec(("costs", "working_weeks_per_year"), "Semaines travaillées par an", "number", "47"),
    Spec(("costs", "include_public_aid"), "Déduire les aides publiques connues", "bool"),
    Spec(("budget", "max_per_year"), "Budget maximal par an (€)", "number", "sans budget"),
    Spec(("budget", "basis"), "Budget compté", "choice", "", BASES),
)
REQUEST = (
    Spec(("id",), "Identifiant"),
    Spec(("commune",), "Commune (code INSEE)", "commune"),
    Spec(("duration",), "Durée (min)", "number", "60"),
    Spec(("windows",), "Créneaux possibles", "list", "à tout moment"),
    Spec(("seats",), "Places", "number", "0"),
    Spec(("mandatory",), "Obligatoire", "tri"),
)
# Requesters' personal data: shown (and so posted) only when the user asks.
PERSONAL = (
    Spec(("requester_name",), "Nom du demandeur"),
    Spec(("requester_phone",), "Téléphone"),
    Spec(("address",), "Adresse"),
)
BOOL_DEFAULTS = {"horizon.monthly": False, "stops.mandatory": True}
FALSE_IS_ABSENT = {"costs.include_public_aid"}  # unticked: the key is removed, not set false
NO_LUNCH = "sans_pause"  # the vehicle's ``lunch = false``
DELETE = "supprimer"


@dataclass
class FieldValue:
    name: str
    label: str
    kind: str
    value: Any  # str, or bool for bool fields
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    error: str | None = None


@dataclass
class EditorForm:
    top: list[FieldValue]
    vehicles: list[list[FieldValue]]
    stops: list[list[FieldValue]]
    no_lunch: list[bool]
    requests: list[list[FieldValue]] = field(default_factory=list)
    costs: list[FieldValue] = field(default_factory=list)  # [costs] and [budget]
    errors: list[str] = field(default_factory=list)  # those of no field of the form

    def fields(self) -> list[FieldValue]:
        return [
            *self.top,
            *self.costs,
            *(f for row in self.vehicles for f in row),
            *(f for row in self.stops for f in row),
            *(f for row in self.requests for f in row),
        ]


# --- reading ---------------------------------------------------------------------------------
def _get(table: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(table, Mapping) or key not in table:
            return None
        table = table[key]
    return table


def _shown(value: Any, kind: str, name: str) -> Any:
    if kind == "bool":
        return bool(value) if value is not None else BOOL_DEFAULTS.get(name, False)
    if kind == "tri":
        return "" if value is None else ("oui" if value else "non")
    if value is None or value is False and kind != "bool":
        return ""
    if kind in ("list", "candidates") and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return tomlkit.item(value).as_string()  # a table or list the form has no field for


def _row(table: Any, specs: tuple[Spec, ...], prefix: str) -> list[FieldValue]:
    out = []
    for spec in specs:
        name = prefix + ".".join(spec.path)
        value = _get(table, spec.path)
        out.append(
            FieldValue(
                name,
                spec.label,
                spec.kind,
                _shown(value, spec.kind, name),
                spec.placeholder,
                spec.choices,
            )
        )
    return out


def _aot(doc: Any, path: tuple[str, ...]) -> list[Any]:
    value = _get(doc, path)
    return list(value) if isinstance(value, list) else []


def read_form(text: str, personal: bool = False) -> EditorForm:
    """The form's fields as the scenario ``text`` holds them (``text`` must be valid TOML);
    requesters' personal fields only when ``personal``."""
    doc = tomlkit.parse(text).unwrap()
    vehicles = _aot(doc, ("vehicles",))
    stops = _aot(doc, ("stops", "list"))
    request_specs = REQUEST + PERSONAL if personal else REQUEST
    return EditorForm(
        top=_row(doc, TOP, ""),
        vehicles=[_row(v, VEHICLE, f"vehicles[{i}].") for i, v in enumerate(vehicles)],
        stops=[_row(s, STOP, f"stops.list[{i}].") for i, s in enumerate(stops)],
        no_lunch=[isinstance(v, Mapping) and v.get("lunch") is False for v in vehicles],
        requests=[
            _row(r, request_specs, f"requests[{i}].")
            for i, r in enumerate(_aot(doc, ("requests",)))
        ],
        costs=_row(doc, COSTS, ""),
    )


# --- writing ---------------------------------------------------------------------------------
def _typed(kind: str, text: str) -> Any:
    text = text.strip()
    if kind == "list":
        parts = [part.strip() for part in text.split(",") if part.strip()]
        return [int(p) if p.isdigit() and len(p) == 1 else p for p in parts]  # weekdays 0-6
    if kind == "number":
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text  # the validator names what was expected
    if kind == "tri":
        return {"oui": True, "non": False}.get(text)
    if kind == "candidates":
        return text if text in ("", "all") else _typed("list", text)
    return text


def _set(table: Any, path: tuple[str, ...], value: Any) -> None:
    *parents, last = path
    for key in parents:
        if not isinstance(table.get(key), Mapping):
            table[key] = tomlkit.table()
        table = table[key]
    if value is None or value == "" or value == []:
        if last in table:
            del table[last]
    else:
        table[last] = value


def _posted(form: Mapping[str, Any], name: str, kind: str) -> Any:
    if kind == "bool":
        return form.get(name) in ("on", "true", "1", "oui")
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _apply_row(
    table: Any, specs: tuple[Spec, ...], prefix: str, form: Mapping[str, Any], old: Any
) -> None:
    for spec in specs:
        name = prefix + ".".join(spec.path)
        if spec.kind != "bool" and name not in form:
            continue  # not in the form (requesters' personal data unless asked): kept as it is
        new = _posted(form, name, spec.kind)
        before = _shown(_get(old, spec.path), spec.kind, name)
        if new == before:
            continue  # untouched: keep the file's text as it is
        if spec.kind == "bool":
            _set(table, spec.path, new or (None if name in FALSE_IS_ABSENT else False))
        else:
            _set(table, spec.path, _typed(spec.kind, new))


def _rows(form: Mapping[str, Any], prefix: str, first: str) -> list[int]:
    pattern = re.compile(re.escape(prefix) + r"\[(\d+)\]\." + re.escape(first) + "$")
    return sorted({int(m.group(1)) for key in form if (m := pattern.match(key))})


def _empty_row(form: Mapping[str, Any], specs: tuple[Spec, ...], prefix: str) -> bool:
    return all(
        not _posted(form, prefix + ".".join(s.path), "text").strip()
        for s in specs
        if s.kind != "bool"
    )


def _apply_array(
    doc: Any, path: tuple[str, ...], specs: tuple[Spec, ...], form: Mapping[str, Any]
) -> None:
    prefix = ".".join(path)
    parent = _get(doc, path[:-1]) if len(path) > 1 else doc
    aot = parent.get(path[-1]) if isinstance(parent, Mapping) else None
    existing = len(aot) if isinstance(aot, (AoT, list)) else 0
    drop = []
    for i in _rows(form, prefix, ".".join(specs[0].path)):
        row_prefix = f"{prefix}[{i}]."
        if form.get(row_prefix + DELETE) in ("on", "1", "true"):
            drop.append(i)
            continue
        if i >= existing:
            if _empty_row(form, specs, row_prefix):
                continue
            if not isinstance(aot, AoT):
                parent = _parent(doc, path[:-1])
                aot = parent[path[-1]] = tomlkit.aot()
            table = tomlkit.table()
            old: Any = {}
            aot.append(table)
            table = aot[-1]
        else:
            table = aot[i]
            old = table.unwrap() if isinstance(table, Table) else dict(table)
        if path == ("vehicles",):
            _apply_lunch(table, row_prefix, form, old)
            specs_here = tuple(s for s in specs if s.path[0] != "lunch")
        else:
            specs_here = specs
        _apply_row(table, specs_here, row_prefix, form, old)
    for i in sorted((i for i in drop if i < existing), reverse=True):
        del aot[i]


def _parent(doc: Any, path: tuple[str, ...]) -> Any:
    """The table at ``path``, made when missing (only when a row is to be added to it)."""
    table = doc
    for key in path:
        if not isinstance(table.get(key), Mapping):
            table[key] = tomlkit.table()
        table = table[key]
    return table


def _apply_lunch(table: Any, prefix: str, form: Mapping[str, Any], old: Any) -> None:
    no_lunch = form.get(prefix + NO_LUNCH) in ("on", "1", "true")
    if no_lunch:
        if old.get("lunch") is not False:
            table["lunch"] = False
        return
    if old.get("lunch") is False:
        del table["lunch"]
        old = {k: v for k, v in old.items() if k != "lunch"}
    lunch_specs = tuple(s for s in VEHICLE if s.path[0] == "lunch")
    changed = any(
        _posted(form, prefix + ".".join(s.path), s.kind) != _shown(_get(old, s.path), s.kind, "")
        for s in lunch_specs
    )
    if not changed:
        return
    if not isinstance(table.get("lunch"), Mapping):
        table["lunch"] = tomlkit.inline_table()
    _apply_row(table, lunch_specs, prefix, form, old)
    if not table["lunch"]:
        del table["lunch"]


def apply_form(text: str, form: Mapping[str, Any]) -> str:
    """``text`` with the posted ``form``'s changes written in (untouched fields keep their
    text); rows ticked ``supprimer`` are removed, new non-empty rows appended."""
    doc = tomlkit.parse(text)
    old = doc.unwrap()
    _apply_row(doc, TOP, "", form, old)
    _apply_row(doc, COSTS, "", form, old)
    for section in ("costs", "budget"):
        if section in doc and not doc[section] and old.get(section) != {}:
            del doc[section]  # every field emptied: no section rather than an empty one
    _apply_array(doc, ("vehicles",), VEHICLE, form)
    _apply_array(doc, ("stops", "list"), STOP, form)
    _apply_array(doc, ("requests",), REQUEST + PERSONAL, form)
    return tomlkit.dumps(doc)


_MESSAGE = re.compile(r"^.*?:(\d+): ([A-Za-z0-9_.\[\]-]+): (.*)$", re.S)


def error_field(message: str, form: EditorForm) -> EditorForm:
    """Put a :class:`ScenarioError` message next to the field of its key (the first field whose
    name starts with it), else among the form's general errors."""
    m = _MESSAGE.match(message)
    if m:
        key, text = m.group(2), m.group(3)
        for f in form.fields():
            if f.name == key or f.name.startswith(key + ".") or f.name.startswith(key + "["):
                f.error = f"ligne {m.group(1)} : {text}"
                return form
    form.errors.append(message)
    return form


def masked(text: str) -> tuple[str, int]:
    """``text`` with the values of requesters' personal fields (name, phone, e-mail, address,
    notes) replaced by « masqué », and how many were; for pages that show a scenario."""
    from planner.scenario.values import PERSONAL_FIELDS

    keys = "|".join(PERSONAL_FIELDS)
    value = "|".join(
        (
            r'"""[\s\S]*?"""',  # multi-line strings first: "" would match their start
            r"'''[\s\S]*?'''",
            r'"(?:[^"\\\n]|\\.)*"',
            r"'[^'\n]*'",
        )
    )
    pattern = re.compile(rf"(?m)(^|[{{,]\s*)({keys})(\s*=\s*)({value})")
    return pattern.subn(lambda m: f'{m.group(1)}{m.group(2)}{m.group(3)}"« masqué »"', text)
