"""The yearly cost of a scenario: vehicles, fuel, staff and kiosks, with and without public aid.

A scenario's plan gives, per vehicle, the kilometres and working hours of an average month
(:mod:`planner.tours.validator`'s figures); :func:`yearly_costs` turns them into money and CO2 per
year with the rates of the scenario's ``[costs]`` section
(:class:`~planner.scenario.files.CostsSection`, every default and its source in
``docs/compare.md``):

- **months of service per year** = ``working_weeks_per_year`` / (365.25 / 7 / 12) weeks a month:
  47 weeks (5 weeks closed) make 10.8 months;
- **vehicle capital** = purchase cost spread over the vehicle's life, straight-line, or as a
  constant annuity ``P·r / (1 − (1 + r)^−n)`` when ``interest_rate`` r > 0; no resale value;
- **upkeep** (insurance, servicing, tyres, inspection) per vehicle and year;
- **fuel** = km × L/100 km / 100 × price per litre; **CO2** = litres × kg CO2e per litre
  (or km × the vehicle's own ``co2_kg_per_km``);
- **staff** = hours the vehicle is out (leaving the base to returning) × crew (``staff``) ×
  hourly employer cost: preparation and office time are not counted (a lower bound);
- **kiosks** = purchase spread over their life + upkeep + connectivity, per kiosk and year;
- **public aid** (optional): a France Services bus receives €30,000 a year of operating support
  and up to €68,000 of investment aid (spread over the vehicle's life like its purchase), for
  ``aided_vehicles`` vehicles (default: all).

The vehicles' ``cost_per_km`` / ``cost_per_hour`` of the plan's objective are not used here: they
weigh the search; this model counts money. It must not read files or plan anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from planner.scenario.schema import CostsSection, VehicleSpec
from planner.tours.model import WEEKS_PER_MONTH, Budget

__all__ = [
    "RATES_FR",
    "KioskCost",
    "VehicleCost",
    "VehicleUse",
    "YearlyCosts",
    "annuity",
    "fixed_costs_fr",
    "linear_budget",
    "months_per_year",
    "vehicle_use",
    "yearly_costs",
]


# Every ``[costs]`` rate: French label, unit and where its default comes from (shown in the HTML
# comparison; docs/compare.md gives the full references). "Hypothèse" marks an estimate.
RATES_FR: dict[str, tuple[str, str, str]] = {
    "fuel_price_per_l": (
        "Prix du gazole",
        "€/L",
        (
            "Ordre de grandeur du prix moyen à la pompe en France en 2024 (prix des carburants, "
            "ministère de la Transition écologique). Hypothèse à actualiser."
        ),
    ),
    "co2_kg_per_l": (
        "Facteur d'émission du gazole",
        "kg CO2e/L",
        (
            "ADEME Base Carbone, gazole routier B7, amont et combustion (3,1 ; l'arrêté du "
            "26 avril 2017 sur l'information GES des transports donne 3,17)."
        ),
    ),
    "fuel_l_per_100km": (
        "Consommation du véhicule",
        "L/100 km",
        (
            "Fourgon aménagé ou minibus : 9 à 12 L/100 km selon le gabarit (consommations publiées "
            "des camping-cars). Hypothèse."
        ),
    ),
    "staff_cost_per_hour": (
        "Coût horaire employeur d'un agent",
        "€/h",
        (
            "Hypothèse : médiateur rémunéré un peu au-dessus du SMIC, charges comprises ; la "
            "subvention d'État d'un conseiller numérique (50 000 € sur 2 ans pour un poste au "
            "SMIC) en donne le plancher (≈ 16 €/h)."
        ),
    ),
    "purchase_cost": (
        "Prix d'un véhicule aménagé",
        "€",
        (
            "Hypothèse : fourgon ou camping-car aménagé (deux postes d'accueil, connexion, "
            "accès PMR) ; l'aide nationale à l'investissement plafonne à 68 000 €."
        ),
    ),
    "upkeep_per_year": ("Entretien et assurance", "€/an/véhicule", "Hypothèse."),
    "lifetime_years": ("Durée de vie d'un véhicule", "ans", "Hypothèse (amortissement linéaire)."),
    "interest_rate": (
        "Taux d'intérêt de l'emprunt",
        "par an",
        "0 : amortissement linéaire sans frais financiers.",
    ),
    "working_weeks_per_year": (
        "Semaines de service par an",
        "semaines",
        ("52 semaines moins 5 semaines de congés payés (Code du travail, art. L3141-3)."),
    ),
    "kiosk_purchase_cost": (
        "Prix d'une borne",
        "€",
        (
            "Hypothèse : borne ou visio-guichet avec écran, caméra, scanner et "
            "imprimante, installée."
        ),
    ),
    "kiosk_lifetime_years": ("Durée de vie d'une borne", "ans", "Hypothèse."),
    "kiosk_upkeep_per_year": ("Maintenance d'une borne", "€/an", "Hypothèse (matériel, logiciel)."),
    "kiosk_connectivity_per_year": (
        "Connexion d'une borne",
        "€/an",
        "Hypothèse : abonnement internet professionnel (≈ 50 €/mois).",
    ),
    "public_aid_operating_per_year": (
        "Soutien au fonctionnement d'un bus France Services",
        "€/an",
        (
            "État, par bus labellisé (la ministre de la Cohésion des territoires à l'Assemblée "
            "nationale, 2020)."
        ),
    ),
    "public_aid_investment": (
        "Aide à l'investissement d'un bus France Services",
        "€",
        ("État et Banque des Territoires, jusqu'à 68 000 € par projet (même source)."),
    ),
}


def annuity(capital: float, years: float, rate: float = 0.0) -> float:
    """Yearly charge of ``capital`` over ``years``: straight-line (``rate`` 0) or a constant
    annuity at ``rate`` (0.03 = 3 % a year)."""
    if years <= 0:
        raise ValueError(f"years: expected a positive lifetime, got {years}")
    if rate == 0:
        return capital / years
    return capital * rate / (1.0 - (1.0 + rate) ** -years)


def months_per_year(rates: CostsSection) -> float:
    """Average months of service in a year (working weeks / weeks per month)."""
    return rates.working_weeks_per_year / WEEKS_PER_MONTH


@dataclass(frozen=True, slots=True)
class VehicleUse:
    """One vehicle's average month (from the plan) and its own cost fields (None: ``[costs]``)."""

    id: str
    name: str
    km_per_month: float
    work_hours_per_month: float  # leaving the base to returning
    staff: int = 1
    purchase_cost: float | None = None
    lifetime_years: float | None = None
    upkeep_per_year: float | None = None
    fuel_l_per_100km: float | None = None
    co2_kg_per_km: float | None = None


@dataclass(frozen=True, slots=True)
class VehicleCost:
    """One vehicle's year: use, fuel, CO2 and the cost items (euros)."""

    id: str
    name: str
    km: float
    work_hours: float
    staff_hours: float
    fuel_litres: float
    co2_kg: float
    capital: float  # purchase spread over the vehicle's life
    upkeep: float
    fuel: float
    staff: float
    purchase_cost: float
    lifetime_years: float
    crew: int = 1  # agents on board
    aid_operating: float = 0.0
    aid_investment: float = 0.0  # the investment aid spread like the purchase

    @property
    def total(self) -> float:
        return self.capital + self.upkeep + self.fuel + self.staff


@dataclass(frozen=True, slots=True)
class KioskCost:
    """The kiosks' year (euros): purchase spread over their life, upkeep, connectivity."""

    count: int = 0
    capital: float = 0.0
    upkeep: float = 0.0
    connectivity: float = 0.0

    @property
    def total(self) -> float:
        return self.capital + self.upkeep + self.connectivity


@dataclass(frozen=True)
class YearlyCosts:
    """A scenario's year: per vehicle, kiosks, totals, public aid; and the rates used."""

    vehicles: tuple[VehicleCost, ...]
    kiosks: KioskCost
    months_per_year: float
    rates: dict[str, Any] = field(default_factory=dict)

    def _sum(self, name: str) -> float:
        return float(sum(getattr(v, name) for v in self.vehicles))

    @property
    def vehicle_capital(self) -> float:
        return self._sum("capital")

    @property
    def vehicle_upkeep(self) -> float:
        return self._sum("upkeep")

    @property
    def fuel(self) -> float:
        return self._sum("fuel")

    @property
    def staff(self) -> float:
        return self._sum("staff")

    @property
    def km(self) -> float:
        return self._sum("km")

    @property
    def staff_hours(self) -> float:
        return self._sum("staff_hours")

    @property
    def co2_kg(self) -> float:
        return self._sum("co2_kg")

    @property
    def total(self) -> float:
        """Yearly cost before any aid."""
        return self._sum("total") + self.kiosks.total

    @property
    def aid(self) -> float:
        """Known public aid per year (operating support + investment aid spread)."""
        return self._sum("aid_operating") + self._sum("aid_investment")

    @property
    def total_with_aid(self) -> float:
        """Yearly cost net of the known public aid (never below zero)."""
        return max(self.total - self.aid, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "total_with_aid": self.total_with_aid,
            "aid": self.aid,
            "vehicle_capital": self.vehicle_capital,
            "vehicle_upkeep": self.vehicle_upkeep,
            "fuel": self.fuel,
            "staff": self.staff,
            "kiosks": asdict(self.kiosks) | {"total": self.kiosks.total},
            "km": self.km,
            "staff_hours": self.staff_hours,
            "co2_kg": self.co2_kg,
            "months_per_year": self.months_per_year,
            "vehicles": [asdict(v) | {"total": v.total} for v in self.vehicles],
            "rates": dict(self.rates),
        }


def _vehicle(use: VehicleUse, rates: CostsSection, months: float, aided: bool) -> VehicleCost:
    def own(value: float | None, default: float) -> float:
        return default if value is None else value

    purchase = own(use.purchase_cost, rates.purchase_cost)
    life = own(use.lifetime_years, rates.lifetime_years)
    km = use.km_per_month * months
    work = use.work_hours_per_month * months
    litres = km * own(use.fuel_l_per_100km, rates.fuel_l_per_100km) / 100.0
    co2 = km * use.co2_kg_per_km if use.co2_kg_per_km is not None else litres * rates.co2_kg_per_l
    invest = min(rates.public_aid_investment, purchase)
    return VehicleCost(
        id=use.id,
        name=use.name,
        km=km,
        work_hours=work,
        staff_hours=work * use.staff,
        fuel_litres=litres,
        co2_kg=co2,
        capital=annuity(purchase, life, rates.interest_rate),
        upkeep=own(use.upkeep_per_year, rates.upkeep_per_year),
        fuel=litres * rates.fuel_price_per_l,
        staff=work * use.staff * rates.staff_cost_per_hour,
        purchase_cost=purchase,
        lifetime_years=life,
        crew=use.staff,
        aid_operating=rates.public_aid_operating_per_year if aided else 0.0,
        aid_investment=annuity(invest, life, rates.interest_rate) if aided else 0.0,
    )


def yearly_costs(
    vehicles: Sequence[VehicleUse], rates: CostsSection, *, kiosks: int = 0
) -> YearlyCosts:
    """The year of a scenario whose vehicles do ``vehicles`` and which has ``kiosks`` kiosks.

    Every vehicle of the scenario counts, used or not (it is bought and insured either way).
    The first ``rates.aided_vehicles`` vehicles (default: all) receive the public aid.
    """
    months = months_per_year(rates)
    aided = len(vehicles) if rates.aided_vehicles is None else rates.aided_vehicles
    costs = tuple(_vehicle(v, rates, months, n < aided) for n, v in enumerate(vehicles))
    kiosk = KioskCost(
        count=kiosks,
        capital=kiosks
        * annuity(rates.kiosk_purchase_cost, rates.kiosk_lifetime_years, rates.interest_rate),
        upkeep=kiosks * rates.kiosk_upkeep_per_year,
        connectivity=kiosks * rates.kiosk_connectivity_per_year,
    )
    return YearlyCosts(costs, kiosk, months, rates.model_dump())


def vehicle_use(
    vid: str,
    name: str,
    spec: VehicleSpec | None,
    km_per_month: float = 0.0,
    work_hours_per_month: float = 0.0,
) -> VehicleUse:
    """A vehicle's use with the cost fields of its ``[[vehicles]]`` entry (None: defaults)."""
    return VehicleUse(
        id=vid,
        name=name,
        km_per_month=km_per_month,
        work_hours_per_month=work_hours_per_month,
        staff=spec.staff if spec else 1,
        purchase_cost=spec.purchase_cost if spec else None,
        lifetime_years=spec.lifetime_years if spec else None,
        upkeep_per_year=spec.upkeep_per_year if spec else None,
        fuel_l_per_100km=spec.fuel_l_per_100km if spec else None,
        co2_kg_per_km=spec.co2_kg_per_km if spec else None,
    )


def linear_budget(
    vehicles: Sequence[VehicleUse],
    rates: CostsSection,
    *,
    kiosks: int,
    cycles_per_month: float,
    max_per_year: float,
    basis: str = "gross",
) -> Budget:
    """The yearly cost of :func:`yearly_costs` as a linear function of a plan's routes.

    :func:`yearly_costs` is linear in each vehicle's km and working hours per month, and those
    are the plan's per-cycle totals × ``cycles_per_month``; so the yearly cost is
    ``fixed + Σ_routes (per_km[v] × km + per_work_hour[v] × hours out)`` with

    - ``fixed`` = the year with no km and no hour: vehicles' purchase spread over their life,
      upkeep, kiosks (minus the known public aid when ``basis == "net"``: it does not depend on
      the plan either);
    - ``per_km[v]`` = cycles per year × L/100 km / 100 × price per litre (fuel);
    - ``per_work_hour[v]`` = cycles per year × crew × hourly staff cost.

    ``vehicles`` gives every vehicle of the scenario with its own cost fields (its use is
    ignored). Net of aid, :attr:`YearlyCosts.total_with_aid` clamps at 0; for a budget >= 0 the
    clamp never changes whether a plan fits.
    """
    months = months_per_year(rates)
    idle = yearly_costs(
        [replace(v, km_per_month=0.0, work_hours_per_month=0.0) for v in vehicles],
        rates,
        kiosks=kiosks,
    )
    fixed = idle.total - (idle.aid if basis == "net" else 0.0)
    cycles = cycles_per_month * months
    per_km: dict[str, float] = {}
    per_hour: dict[str, float] = {}
    for v in vehicles:
        litres = rates.fuel_l_per_100km if v.fuel_l_per_100km is None else v.fuel_l_per_100km
        per_km[v.id] = cycles * litres / 100.0 * rates.fuel_price_per_l
        per_hour[v.id] = cycles * v.staff * rates.staff_cost_per_hour
    return Budget(
        max_per_year=max_per_year,
        fixed_per_year=fixed,
        per_km=per_km,
        per_work_hour=per_hour,
        basis=basis,
    )


def fixed_costs_fr(
    vehicles: Sequence[VehicleUse], rates: CostsSection, *, kiosks: int, basis: str = "gross"
) -> str:
    """The items of the fixed yearly cost, in French ("véhicules, entretien, bornes")."""
    idle = yearly_costs(
        [replace(v, km_per_month=0.0, work_hours_per_month=0.0) for v in vehicles],
        rates,
        kiosks=kiosks,
    )
    items = []
    if idle.vehicle_capital > 0:
        items.append("véhicules")
    if idle.vehicle_upkeep > 0:
        items.append("entretien")
    if idle.kiosks.total > 0:
        items.append("bornes")
    if basis == "net" and idle.aid > 0:
        items.append("moins les aides publiques connues")
    return ", ".join(items) or "aucun"
