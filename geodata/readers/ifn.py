"""Indice de fragilité numérique (IFN, La MedNum) per commune: total score and its 5 components.

Scores run from 1 to 10 as La MedNum defines them (higher = more fragile; the lowest real total in
the file is 2.4). The file uses a 2022/2023 COG; rows are kept with their code, and the loader
joins them on the current code, reporting communes without a score. Empty scores stay missing
(NaN): nothing is invented here. A row whose every score is 0 has no score either: the six
*villages morts pour la France* of the Meuse (no inhabitant) are written that way, and 0 is not
a value of the index.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from geodata.readers._common import read_csv_text, to_float
from geodata.readers.contours import normalise_insee

__all__ = ["IFN_COLUMNS", "read_ifn"]

# Column of the source file → column in itinerance (database and query frames).
IFN_COLUMNS = {
    "total": "ifn",
    "no_thd_coverage_rate": "ifn_no_thd",
    "no_4g_coverage_rate": "ifn_no_4g",
    "poverty_rate": "ifn_poverty",
    "older_65_rate": "ifn_older_65",
    "nscol15p_rate": "ifn_no_diploma",
}


def read_ifn(path: Path, codes: Collection[str] | None = None) -> pd.DataFrame:
    """Communes' IFN scores: ``code`` then ``ifn``, ``ifn_no_thd``, ``ifn_no_4g``, ``ifn_poverty``,
    ``ifn_older_65``, ``ifn_no_diploma`` (floats from 1 to 10, NaN when the file gives none).

    ``codes`` keeps only those communes (faster when loading one area)."""
    raw = read_csv_text(path, ("code", "division", *IFN_COLUMNS))
    raw = raw[raw["division"] == "city"]
    raw = raw.assign(code=normalise_insee(raw["code"]))
    if codes is not None:
        raw = raw[raw["code"].isin(set(codes))]
    frame = pd.DataFrame({"code": raw["code"].to_numpy()})
    for source, target in IFN_COLUMNS.items():
        frame[target] = to_float(raw[source]).to_numpy()
    scores = list(IFN_COLUMNS.values())
    frame.loc[(frame[scores] == 0).all(axis=1), scores] = float("nan")  # "no score", written 0
    return frame.drop_duplicates("code", keep="first").sort_values("code", ignore_index=True)
