"""Hand-made comparison figures for unit tests of compare and decision."""

from __future__ import annotations

from planner.analysis.compare import (
    CoverageFigures,
    OperationsFigures,
    ScenarioFigures,
    ServiceFigures,
)
from planner.analysis.costs import VehicleUse, yearly_costs
from planner.scenario.schema import CostsSection

__all__ = ["figures"]


def figures(
    label: str,
    *,
    covered_after: int = 900,
    cost_km: float = 1000.0,
    presence: float = 40.0,
    communes: int = 5,
    coverage: bool = True,
    kiosks: int = 0,
) -> ScenarioFigures:
    """A scenario's figures built by hand: 1 000 inhabitants, 800 covered before."""
    cov = (
        CoverageFigures(
            threshold=30,
            borne_reach=10,
            communes=10,
            population=1000,
            need=7000,
            covered_before=800,
            covered_after=covered_after,
            need_covered_before=5600,
            need_covered_after=5600 + 7 * (covered_after - 800),
            borne_only_before=0,
            borne_only_after=0,
        )
        if coverage
        else None
    )
    costs = yearly_costs([VehicleUse("v", "V", cost_km, 100.0)], CostsSection(), kiosks=kiosks)
    return ScenarioFigures(
        label=label,
        name=label,
        path=f"{label}.toml",
        sha256="0" * 64,
        asis=False,
        coverage=cov,
        service=ServiceFigures(
            communes, {"weekly": communes}, 500, presence, 0.0, communes, communes, 0, 0, kiosks
        ),
        operations=OperationsFigures(1, 1, cost_km, 20.0, 100.0, 100.0, 1000.0, 1000.0, 3.1, 0),
        costs=costs,
    )
