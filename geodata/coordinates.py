"""Where French territories lie: the bounding boxes that tell a point in France from a point
elsewhere (or with its longitude and latitude exchanged). Shared by the import of users' files
and the scenario reader, so both refuse the same points."""

from __future__ import annotations

__all__ = ["TERRITORIES", "territory_of", "territory_of_insee"]

# (name, lon_min, lon_max, lat_min, lat_max, INSEE département prefixes); generous by ~0.1°.
TERRITORIES: tuple[tuple[str, float, float, float, float, tuple[str, ...]], ...] = (
    ("metropolitan France", -5.3, 9.7, 41.2, 51.2, ()),
    ("Guadeloupe", -61.9, -60.9, 15.8, 16.6, ("971",)),
    ("Martinique", -61.3, -60.75, 14.35, 14.95, ("972",)),
    ("Guyane", -54.7, -51.5, 2.0, 5.9, ("973",)),
    ("La Réunion", 55.1, 56.0, -21.5, -20.8, ("974",)),
    ("Saint-Pierre-et-Miquelon", -56.5, -56.05, 46.7, 47.2, ("975",)),
    ("Mayotte", 44.9, 45.4, -13.1, -12.5, ("976",)),
    ("Saint-Barthélemy and Saint-Martin", -63.2, -62.7, 17.8, 18.2, ("977", "978")),
)


def territory_of(lon: float, lat: float) -> str | None:
    """Name of the French territory whose bounding box holds the point, or None."""
    for name, x0, x1, y0, y1, _ in TERRITORIES:
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return name
    return None


def territory_of_insee(code: str) -> str:
    for name, *_, prefixes in TERRITORIES:
        if code.startswith(prefixes) and prefixes:
            return name
    return TERRITORIES[0][0]
