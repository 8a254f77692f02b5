"""Inputs of the map tests: hand-made communes for unit tests, real areas from a loaded database.

Plain functions (the fixtures in ``conftest.py`` wrap them) so scripts and benchmarks can reuse
them too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from geodata.records import (
    Interval,
    NameMatch,
    ParsedRota,
    Recurrence,
    RecurrenceKind,
    RotaStop,
    ServiceKind,
    ServicePoint,
)


@dataclass
class MapInputs:
    communes: gpd.GeoDataFrame
    coverage: pd.DataFrame
    services: list[ServicePoint]
    rotas: list[ParsedRota]


def _square(x: float, y: float, size: float = 0.05) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def tiny_inputs() -> MapInputs:
    """Four square communes in a row near Châteauroux, one of each coverage status, with a
    France Services, a kiosk, a mobile service's base and one rota stop."""
    names = ["Alpha", "Bêta-sur-Indre", "Gamma", "Delta"]
    codes = ["99001", "99002", "99003", "99004"]
    communes = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names,
            "departement": ["99"] * 4,
            "epci": ["200000001"] * 4,
            "epci_name": ["CC de l’Essai"] * 4,
            "population": [1200, 340, 95, 2500],
            "ifn": [3.0, 6.5, 9.0, np.nan],
            "lon": [1.625 + 0.05 * i for i in range(4)],
            "lat": [46.825] * 4,
        },
        geometry=[_square(1.6 + 0.05 * i, 46.8) for i in range(4)],
        crs=4326,
    )
    coverage = pd.DataFrame(
        {
            "france_services_minutes": [5.0, 25.0, 41.0, 52.0],
            "france_services_name": ["France services d’Alpha"] * 4,
            "mediation_minutes": [8.0, 35.0, 50.0, np.nan],
            "borne_minutes": [np.nan, np.nan, 6.0, np.nan],
            "mobile_stop_minutes": [np.nan, np.nan, np.nan, 12.0],
            "mobile_frequency": [None, None, None, "monthly"],
            "mobile_hours_month": [0.0, 0.0, 0.0, 5.0],
            "covered_human": [True, True, False, True],
            "status": ["couverte", "couverte", "borne seulement", "couverte par un bus (mensuel)"],
            "need": [3600.0, 2210.0, 855.0, np.nan],
        },
        index=pd.Index(codes, name="code"),
    )
    hours = {0: (Interval(540, 720), Interval(810, 1020)), 2: (Interval(540, 720),)}
    services = [
        ServicePoint(
            "fs:1",
            "France services d’Alpha",
            ServiceKind.FRANCE_SERVICES,
            1.62,
            46.82,
            "99001",
            "1 place de la Mairie, 99000 Alpha",
            "Fixe",
            hours,
        ),
        ServicePoint("user:borne:1", "Borne de Gamma", ServiceKind.BORNE, 1.73, 46.83, "99003"),
        ServicePoint(
            "fs:2",
            "Bus France services de l’Essai",
            ServiceKind.FRANCE_SERVICES_MOBILE,
            1.63,
            46.81,
            "99001",
            None,
            "Bus_équivalent",
            hours,
        ),
    ]
    stop = RotaStop(
        service_id="fs:2",
        order=1,
        raw_name="Delta",
        match=NameMatch("Delta", "99004", "Delta", 1.0, reason="exact"),
        recurrence=Recurrence(RecurrenceKind.NTH_WEEKDAY, weekday=1, nth=2, text="2e mardi Delta"),
    )
    rota = ParsedRota(
        "fs:2", "Bus France services de l’Essai", "99001", "99", "2e mardi Delta", [stop]
    )
    return MapInputs(communes, coverage, services, [rota])


INDRE_COMMUNES = 241  # COG 2026


def real_inputs(url: str, **area: str) -> MapInputs:
    """Communes, coverage (offline travel model), services and rotas of a loaded area, gathered
    as ``itinerance map coverage`` gathers them (``departement=``, ``region=`` or ``epci=``)."""
    from planner.access.area import area_coverage

    found = area_coverage(url, **area)
    return MapInputs(found.communes, found.coverage.communes, found.services, found.rotas)


HOSTILE_NAME = '<script>alert("commune")</script>Bêta'
HOSTILE_SERVICE = "</script><script>alert('service')</script>"
HOSTILE_ADDRESS = "<img src=x onerror=alert('adresse')>"
HOSTILE_EPCI = "<b>gras</b>"


def hostile(inputs: MapInputs) -> MapInputs:
    """``inputs`` with HTML and script in every data-derived text: the second commune's name,
    the EPCI names, the first service's name and address, the nearest service's name, the rota's
    service name."""
    communes = inputs.communes.copy()
    communes.loc[1, "name"] = HOSTILE_NAME
    communes["epci_name"] = HOSTILE_EPCI
    first = dataclasses.replace(inputs.services[0], name=HOSTILE_SERVICE, address=HOSTILE_ADDRESS)
    coverage = inputs.coverage.copy()
    coverage["france_services_name"] = HOSTILE_SERVICE
    rota = dataclasses.replace(inputs.rotas[0], service_name=HOSTILE_SERVICE)
    return MapInputs(communes, coverage, [first, *inputs.services[1:]], [rota])
