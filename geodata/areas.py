"""Codes of the régions and départements of the COG 2026, without reading any data file.

Queries use them to tell a code that does not exist ("99") from an area that exists but is not
loaded yet, so a user is not told to load a département France does not have. A test checks
the table against the pinned COG communes file; update both together when the COG changes.
"""

from __future__ import annotations

__all__ = ["COG_YEAR", "DEPARTEMENTS_BY_REGION", "is_departement", "is_region"]

COG_YEAR = 2026

# Région code → its départements (and the collectivités d'outre-mer, coded as their own région).
DEPARTEMENTS_BY_REGION: dict[str, tuple[str, ...]] = {
    "01": ("971",),
    "02": ("972",),
    "03": ("973",),
    "04": ("974",),
    "06": ("976",),
    "11": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "24": ("18", "28", "36", "37", "41", "45"),
    "27": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "28": ("14", "27", "50", "61", "76"),
    "32": ("02", "59", "60", "62", "80"),
    "44": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "52": ("44", "49", "53", "72", "85"),
    "53": ("22", "29", "35", "56"),
    "75": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "76": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "84": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "93": ("04", "05", "06", "13", "83", "84"),
    "94": ("2A", "2B"),
    "975": ("975",),
    "977": ("977",),
    "978": ("978",),
    "984": ("984",),
    "986": ("986",),
    "987": ("987",),
    "988": ("988",),
    "989": ("989",),
}

_DEPARTEMENTS = frozenset(d for ds in DEPARTEMENTS_BY_REGION.values() for d in ds)


def is_departement(code: str) -> bool:
    """True for a département code of the COG (``"36"``, ``"2A"``, ``"974"``)."""
    return code.upper() in _DEPARTEMENTS


def is_region(code: str) -> bool:
    """True for a région code of the COG (``"24"``)."""
    return code in DEPARTEMENTS_BY_REGION
