"""The error every map raises when the data it is handed cannot make a map.

It lives here, not in one of the maps, so that each map and the CLI can import it without
importing another map. Errors writing the files are :class:`planner.files.OutputError`.
"""

from __future__ import annotations

from geodata.errors import ItineranceError

__all__ = ["MapError"]


class MapError(ItineranceError):
    """The data handed to a map cannot make a map (no commune, missing column, bad threshold)."""
