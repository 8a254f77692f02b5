"""French texts about a territory (planner.outputs.territory), built from hand-made records."""

from __future__ import annotations

import pandas as pd

from geodata.records import ServiceKind, ServicePoint
from planner.outputs.territory import most_fragile, services_fr, territory_summary_fr


def service(id_: str, kind: ServiceKind) -> ServicePoint:
    return ServicePoint(id_, id_, kind, 1.7, 46.8, "36044")


def test_services_are_counted_by_kind_in_their_usual_order():
    counts = {"mediation": 61, "france_services": 25, "france_services_mobile": 1}
    assert services_fr(counts) == (
        "25 France Services fixes, 1 France Services itinérant, 61 lieux de médiation numérique"
    )
    assert services_fr({}) == "aucun service"


def communes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["36001", "36002", "36003", "36004"],
            "name": ["Aigurande", "Ambrault", "Anjouin", "Ardentes"],
            "population": [1500.0, 400.0, 300.0, 3800.0],
            "epci": ["A", "A", "B", "B"],
            "ifn": [6.0, 8.0, 8.0, None],
        }
    )


def test_the_territory_summary_gives_population_services_and_ifn():
    services = [service("fs:1", ServiceKind.FRANCE_SERVICES)]
    nearby = services + [service("fs:2", ServiceKind.FRANCE_SERVICES)]
    lines = territory_summary_fr("Indre (36)", communes(), services, nearby)
    assert lines == [
        "Indre (36) : 4 communes, 6\u202f000 habitants, 2 EPCI ; "
        "2 communes de moins de 500 habitants.",
        "Services dans le département : 1 France Services fixe.",
        "Avec les départements voisins (moins de 30 km) : 1 services de plus.",
        # weighted: (1500 × 6 + 400 × 8 + 300 × 8) / 2200 = 6,6
        "Indice de fragilité numérique (de 1 à 10, 10 = le plus fragile) : médiane 8,0, "
        "moyenne pondérée par la population 6,6 ; 1 communes sans score.",
    ]


def test_the_most_fragile_communes_come_first_ties_by_population():
    assert list(most_fragile(communes(), 2)["name"]) == ["Ambrault", "Anjouin"]
