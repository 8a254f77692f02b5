"""``itinerance data ...``: territory data commands (sources, fetch, load, status, rota, import).

Thin wrappers over :mod:`geodata`: they parse options, call the library, and print the French
text of :mod:`planner.outputs.territory` (help texts are English). Errors are
:class:`~geodata.errors.ItineranceError` raised by the library; ``planner.cli.main`` turns them
into one line and exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from geodata import registry, settings
from geodata.errors import DataError
from geodata.hours import WEEKDAYS_FR, intervals_fr
from geodata.records import ParsedRota, ServiceKind
from planner.cli.app import data_app
from planner.cli.common import DbOption, console, err_console
from planner.french import integer_fr
from planner.outputs.territory import (
    KIND_FR,
    import_summary_fr,
    load_summary_fr,
    rota_to_json,
    rotas_summary_fr,
)

__all__ = ["step_progress"]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


# -- sources and fetch ------------------------------------------------------------------------


def _state(ds: registry.Dataset) -> str:
    if not registry.is_present(ds):
        return "absent"
    try:
        registry.verify(ds)
    except DataError:
        return "corrompu"
    return "présent"


@data_app.command("sources")
def sources() -> None:
    """List the pinned datasets: licence, vintage, URL and whether the local copy is present."""
    table = Table(title=f"Jeux de données (dossier : {settings.data_dir()})")
    for col in ("Nom", "Millésime", "Licence", "État", "URL"):
        table.add_column(col, overflow="fold")
    for ds in registry.DATASETS:
        url = ds.source_url + (" (dérivé)" if ds.derived_from else "")
        table.add_row(ds.name, ds.vintage, ds.licence, _state(ds), url)
    console.print(table)


@data_app.command("fetch")
def fetch(
    names: Annotated[
        list[str] | None, typer.Argument(help="Dataset names (default: all); see `data sources`.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Download again files whose hash does not match.")
    ] = False,
) -> None:
    """Download missing datasets into the data folder, checking their sha256."""
    wanted = [registry.dataset(n) for n in names] if names else list(registry.DATASETS)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        for ds in wanted:
            present = registry.is_present(ds)
            task = progress.add_task(ds.name, total=ds.size)

            def hook(done: int, total: int, task=task) -> None:  # noqa: ANN001
                progress.update(task, completed=done, total=total or None)

            path = registry.fetch(ds.name, progress=hook, replace_corrupt=force)
            progress.update(task, completed=ds.size)
            console.print(f"{ds.name} : {'déjà présent' if present else 'téléchargé'} ({path})")


# -- load ---------------------------------------------------------------------------------------


@contextmanager
def step_progress() -> Iterator:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("Chargement", total=1)

        def hook(description: str, done: int, total: int) -> None:
            progress.update(task, description=description, completed=done, total=total)

        yield hook


@data_app.command("load")
def load(
    region: Annotated[
        str | None, typer.Option("--region", help="Region code, e.g. 24 (Centre-Val de Loire).")
    ] = None,
    departement: Annotated[
        str | None, typer.Option("--departement", help="Département code, e.g. 36 (Indre).")
    ] = None,
    contours: Annotated[
        Path | None,
        typer.Option(
            "--contours",
            help="Your own commune contour file (GeoJSON, GeoPackage, Shapefile) "
            "instead of the built-in Centre-Val de Loire one.",
        ),
    ] = None,
    contours_code_column: Annotated[
        str,
        typer.Option(
            "--contours-code-column", help="Column of the contour file holding INSEE codes."
        ),
    ] = "code",
    contours_layer: Annotated[
        str | None, typer.Option("--contours-layer", help="Layer of a GeoPackage contour file.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Load a région or a département (communes, EPCI, IFN, services, rotas) into the database.

    Loading again replaces the area's rows; a failure leaves the database as it was.
    """
    from geodata.load import load_area

    with step_progress() as hook:
        report = load_area(
            db,
            region=region,
            departement=departement,
            contours=contours,
            progress=hook,
            contours_code_column=contours_code_column,
            contours_layer=contours_layer,
        )
    for line in load_summary_fr(report):
        console.print(line, highlight=False)
    kind, code = report.area.key.split(":")
    console.print(f"Détail des tournées : itinerance data rota --{kind} {code}", highlight=False)


# -- status -------------------------------------------------------------------------------------


@data_app.command("status")
def status(
    db: DbOption = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table or json.")
    ] = OutputFormat.table,
) -> None:
    """What the database holds: areas, files (hash, vintage, date) and counts."""
    from geodata import query

    st = query.status(db)
    if output == OutputFormat.json:
        console.print_json(
            json.dumps(
                {
                    "url": st.url,
                    "loads": st.loads,
                    "departements": st.departements,
                    "user_items": st.user_items,
                }
            )
        )
        return
    console.print(f"Base : {st.url}", highlight=False)
    if not st.departements and not st.loads:
        console.print(
            "Aucune donnée chargée : itinerance data load --departement 36 (ou --region 24)."
        )
        return
    table = Table(title="Territoire chargé")
    kinds = [k for k in ServiceKind if any(d["services"].get(k.value) for d in st.departements)]
    for col in (
        "Dép.",
        "Communes",
        "Avec contour",
        "Habitants",
        *(KIND_FR[k][1] for k in kinds),
        "Arrêts de tournée",
        "Non résolus",
    ):
        table.add_column(col, justify="left" if col == "Dép." else "right")
    for d in st.departements:
        table.add_row(
            d["departement"],
            integer_fr(d["communes"]),
            integer_fr(d["with_contour"]),
            integer_fr(d["population"]),
            *(integer_fr(d["services"].get(k.value, 0)) for k in kinds),
            integer_fr(d["rota_stops"]),
            integer_fr(d["unresolved_stops"]),
        )
    console.print(table)
    files = Table(title="Fichiers chargés (provenance)")
    for col in ("Zone", "Jeu de données", "Fichier", "Millésime", "sha256", "Chargé le", "Lignes"):
        files.add_column(col, overflow="fold")
    for item in st.loads:
        files.add_row(
            item["area"],
            item["dataset"],
            item["file"],
            item["vintage"] or "",
            item["sha256"][:12] + "…",
            str(item["loaded_at"])[:19].replace("T", " "),
            integer_fr(item["rows"]),
        )
    console.print(files)
    user = {k: v for k, v in st.user_items.items() if v}
    if user:
        console.print(
            "Éléments importés : " + ", ".join(f"{k} {integer_fr(v)}" for k, v in user.items()),
            highlight=False,
        )


# -- rota ---------------------------------------------------------------------------------------


def _print_rota(rota: ParsedRota, names: dict[str, str]) -> None:
    from geodata.rota import describe_recurrence_fr

    base = (
        f"{names.get(rota.base_insee or '', '?')} ({rota.base_insee})"
        if rota.base_insee
        else "inconnue"
    )
    console.print(
        Text.assemble("\n", (rota.service_name, "bold"), f" ({rota.service_id}) — base : {base}"),
        highlight=False,
    )
    if rota.hours:
        days = ", ".join(
            f"{WEEKDAYS_FR[d]} {intervals_fr(ivs)}" for d, ivs in sorted(rota.hours.items())
        )
        console.print(f"Horaires : {days}", highlight=False)
    if rota.stops:
        table = Table()
        for col in ("N°", "Commune", "INSEE", "Texte lu", "Récurrence", "Lieu", "Confiance"):
            table.add_column(col, overflow="fold")
        for s in rota.stops:
            commune = Text(s.match.name) if s.match.name else Text("non résolu", style="red")
            table.add_row(
                str(s.order),
                commune,
                s.match.insee or "—",
                s.raw_name,
                describe_recurrence_fr(s.recurrence),
                s.place or "",
                f"{s.match.confidence:.2f}",
            )
        console.print(table)
    for issue in rota.issues:
        console.print(f"  ⚠ {issue}", highlight=False, markup=False)


@data_app.command("rota")
def rota(
    departement: Annotated[
        str | None, typer.Option("--departement", help="Département code, e.g. 36.")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="Region code, e.g. 24.")] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="One service, e.g. fs:2394 or 2394.")
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table or json.")
    ] = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The parsed rotas of mobile and multi-site France Services: stops, recurrence, issues."""
    from geodata import query

    found = query.rotas(db, departement=departement, region=region, service_id=service)
    if output == OutputFormat.json:
        console.print_json(json.dumps([rota_to_json(r) for r in found], ensure_ascii=False))
        return
    if not found:
        console.print("Aucune tournée dans cette zone.")
        return
    codes = sorted({r.base_insee for r in found if r.base_insee})
    frame = query.communes(db, codes=codes) if codes else None
    names = dict(zip(frame["code"], frame["name"])) if frame is not None else {}
    for r in found:
        _print_rota(r, names)
    console.print(f"\n{rotas_summary_fr(found)}", highlight=False)


# -- import -------------------------------------------------------------------------------------


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise DataError(
                f"--map {pair!r}: expected field=column, e.g. --map insee='Code commune'"
            )
        mapping[target.strip()] = source.strip()
    return mapping


class ImportKind(str, Enum):
    borne = "borne"
    host_site = "host_site"
    service = "service"
    vehicle = "vehicle"


@data_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV (UTF-8 or Windows-1252, ',' or ';'), GeoJSON or GeoPackage.")
    ],
    kind: Annotated[ImportKind, typer.Option("--kind", help="What the file holds.")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Column mapping field=column (repeatable), e.g. --map insee='Code commune'.",
        ),
    ] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="GeoPackage layer.")] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Overwrite items whose id was stored from another file."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Import your own bornes, host sites, services or vehicles (validated, in one transaction)."""
    from geodata.load import insee_reference, store_import
    from geodata.userfiles import import_file

    known, former = insee_reference()
    result = import_file(
        file, kind.value, _mapping(map_), layer, known_insee=known, former_insee=former
    )
    report = store_import(db, result, replace=replace)
    console.print(import_summary_fr(report, kind.value), highlight=False)
    for warning in report.warnings:
        err_console.print(f"warning: {warning}", highlight=False, markup=False)
