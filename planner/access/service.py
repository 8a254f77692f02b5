"""Service levels: how well a permanence serves the residents of a commune, from 0 to 1.

A plan's value is a sum over **communes**, not over stops: each commune's need (population × IFN)
times the gain in its service level, counted once (:mod:`planner.tours.value`). This module says
what level one place of help gives one commune:

``level = frequency weight × presence weight × distance weight``

- **frequency**: how long a resident waits for the next permanence. Weekly 1, fortnightly 0.8,
  monthly 0.6, once 0.3 by default: a monthly permanence still serves the procedures that can
  wait two weeks on average, not the urgent ones (docs/planning-model.md gives the reasoning).
- **presence**: the square root of the hours of presence per visit over a full day (5 h, the
  "journée" of a scenario), at most 1: a half-day (2 h 30) weighs 0.71. The first hours count
  most: people come when the permanence opens, and a half-day already meets most of them.
- **distance**: 1 for a stop in the commune itself; from ``neighbour`` (0.5) for the next commune
  down to ``at_threshold`` (0.25) at the coverage threshold, linearly in driving minutes; 0
  beyond. The people a permanence is for are mostly those who cannot easily drive to the town:
  help in their own village counts twice as much as help next door.

A commune's level is the **best** level among the places that reach it: a resident goes to the
best permanence within reach, so a second stop reaching the same communes at the same frequency
adds nothing, and any further stop adds only what it improves (diminishing returns). Fixed
France Services and lieux de médiation give a full level (weighted by distance); an existing
kiosk gives ``kiosk`` (0.25) within its reach. The ``flat`` mode counts a commune as served (1)
or not (0), once: maximal covering.

It must not read files, databases or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.errors import ParameterError
from planner.tours.model import Frequency

FREQUENCY_WEIGHTS = {
    Frequency.WEEKLY: 1.0,
    Frequency.FORTNIGHTLY: 0.8,
    Frequency.MONTHLY: 0.6,
    Frequency.ONCE: 0.3,
}
# From the least to the most frequent: weights must not decrease along this order.
FREQUENCY_ORDER = (Frequency.ONCE, Frequency.MONTHLY, Frequency.FORTNIGHTLY, Frequency.WEEKLY)


@dataclass(frozen=True)
class ServiceLevels:
    """Parameters of the service-level model (the scenario's ``[value]`` table)."""

    mode: str = "service"  # "service" or "flat" (covered or not, once: maximal covering)
    frequency: dict[Frequency, float] = field(default_factory=lambda: dict(FREQUENCY_WEIGHTS))
    full_day_hours: float = 5.0  # hours of presence per visit that give a full presence weight
    neighbour: float = 0.5  # distance weight of a stop in another commune, at 0 minutes
    at_threshold: float = 0.25  # distance weight at the coverage threshold
    kiosk: float = 0.25  # level an existing kiosk gives within its reach

    def __post_init__(self) -> None:
        if self.mode not in ("service", "flat"):
            raise ParameterError("mode", f'expected "service" or "flat", got {self.mode!r}')
        for f in FREQUENCY_ORDER:
            w = self.frequency.get(f)
            if w is None or not 0 < w <= 1:
                raise ParameterError(
                    f"frequency.{f.value}", f"expected a weight in (0, 1], not {w}"
                )
        weights = [self.frequency[f] for f in FREQUENCY_ORDER]
        for lo, hi, a, b in zip(FREQUENCY_ORDER, FREQUENCY_ORDER[1:], weights, weights[1:]):
            if b < a:
                raise ParameterError(
                    f"frequency.{hi.value}",
                    f"a {hi.value} permanence cannot weigh less ({b:g}) than a {lo.value} one "
                    f"({a:g}): the weight must grow with the frequency",
                )
        if not self.full_day_hours > 0:
            raise ParameterError("full_day_hours", f"expected hours > 0, got {self.full_day_hours}")
        if not 0 < self.neighbour <= 1:
            raise ParameterError("neighbour", f"expected a weight in (0, 1], got {self.neighbour}")
        if not 0 <= self.at_threshold <= self.neighbour:
            raise ParameterError(
                "at_threshold",
                f"expected a weight between 0 and neighbour ({self.neighbour:g}), "
                f"got {self.at_threshold}",
            )
        if not 0 <= self.kiosk <= 1:
            raise ParameterError("kiosk", f"expected a level in [0, 1], got {self.kiosk}")

    @property
    def flat(self) -> bool:
        return self.mode == "flat"

    def distance_weight(self, minutes: float, threshold: float, *, same_commune: bool) -> float:
        """Weight of a place ``minutes`` away from a commune (0 beyond ``threshold``)."""
        if minutes > threshold:
            return 0.0
        if self.flat or same_commune:
            return 1.0
        share = min(max(minutes / threshold, 0.0), 1.0)
        return self.neighbour - (self.neighbour - self.at_threshold) * share

    def permanence_level(self, frequency: Frequency, minutes_per_visit: float) -> float:
        """Level of a permanence for residents of its own commune (distance weight 1)."""
        if self.flat:
            return 1.0
        presence = min(max(minutes_per_visit / 60.0 / self.full_day_hours, 0.0), 1.0) ** 0.5
        return self.frequency[frequency] * presence

    def level(
        self,
        frequency: Frequency,
        minutes_per_visit: float,
        minutes_away: float,
        threshold: float,
        *,
        same_commune: bool,
    ) -> float:
        """Level a permanence gives a commune ``minutes_away`` from it."""
        return self.permanence_level(frequency, minutes_per_visit) * self.distance_weight(
            minutes_away, threshold, same_commune=same_commune
        )

    def fixed_level(self, minutes_away: float, threshold: float, *, same_commune: bool) -> float:
        """Level a fixed France Services or lieu de médiation gives (full service)."""
        return self.distance_weight(minutes_away, threshold, same_commune=same_commune)

    def kiosk_level(self, minutes_away: float, reach: float) -> float:
        """Level an existing kiosk gives within its reach (partial help; 0 in flat mode, where a
        kiosk does not count as human help)."""
        if self.flat or minutes_away > reach:
            return 0.0
        return self.kiosk
