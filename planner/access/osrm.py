"""Client of an OSRM server's table service: road travel times and distances between points.

``GET {base}/table/v1/{profile}/{lon,lat;...}?sources=…&destinations=…``
``&annotations=duration,distance`` is requested in blocks of at most ``max_table_size`` sources ×
``max_table_size`` destinations (OSRM refuses a table with more than ``--max-table-size``² cells;
its default is 100), with time-outs and retries with exponential back-off on network errors and
5xx/429 answers. Every failure becomes a one-line :class:`~planner.errors.RouterError`: server
unreachable, HTTP error, answer that is not OSRM JSON, ``code`` other than ``"Ok"``, or a null cell
(no road between two points).

The URL comes from the caller (``--osrm``) or ``$ITINERANCE_OSRM_URL``
(:func:`geodata.settings.osrm_url`). This module does no caching (see
:mod:`planner.access.matrices`) and is tested against a fake OSRM server in the tests, never a
real one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import numpy as np

from planner.access.routers import Points
from planner.errors import RouterError

_RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class OsrmRouter:
    """Road travel times from an OSRM server (``osrm-routed``), fetched in table blocks."""

    base_url: str
    profile: str = "driving"
    max_table_size: int = 100  # osrm-routed --max-table-size (default 100)
    timeout: float = 30.0  # seconds, per request
    retries: int = 3  # extra attempts after a network error or a 5xx/429 answer
    backoff: float = 0.5  # seconds before the first retry, doubled at each retry
    client: httpx.Client | None = field(default=None, repr=False, compare=False)
    requests_made: int = field(default=0, init=False, compare=False)

    name: ClassVar[str] = "osrm"
    cacheable: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise RouterError(f"OSRM URL: expected http://host:port, got {self.base_url!r}")
        if self.max_table_size < 1:
            raise RouterError(
                f"OSRM max table size: expected a positive number, got {self.max_table_size}"
            )

    def params(self) -> dict[str, Any]:
        # The table size, timeouts and retries do not change the answer: they stay out of the key.
        return {"url": self.base_url, "profile": self.profile}

    def describe(self) -> str:
        return f"OSRM {self.profile} at {self.base_url}"

    # --- requests --------------------------------------------------------------------------------
    def _get(self, client: httpx.Client, url: str, params: dict[str, str]) -> dict[str, Any]:
        attempts = self.retries + 1
        last: str = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self.requests_made += 1
            try:
                response = client.get(url, params=params, timeout=self.timeout)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if response.status_code in _RETRY_STATUS:
                last = f"HTTP {response.status_code}"
                continue
            return self._decode(response)
        raise RouterError(
            f"OSRM server at {self.base_url} did not answer after {attempts} attempt(s) ({last}); "
            "check the URL or run without --osrm to use the offline model"
        )

    def _decode(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            snippet = " ".join(response.text[:60].split())
            raise RouterError(
                f"OSRM server at {self.base_url} answered HTTP {response.status_code} with "
                f"something that is not OSRM JSON ({snippet!r}…)"
            )
        code = body.get("code")
        if response.status_code >= 400 or code != "Ok":
            message = " ".join(str(body.get("message", "")).split())
            raise RouterError(
                f"OSRM server at {self.base_url} refused the table request "
                f"(HTTP {response.status_code}, code {code!r}{': ' + message if message else ''})"
            )
        return body

    def _block(
        self, client: httpx.Client, src: Points, dst: Points
    ) -> tuple[np.ndarray, np.ndarray]:
        coords = ";".join(
            f"{lon:.6f},{lat:.6f}"
            for lon, lat in zip(
                np.concatenate((src.lon, dst.lon)), np.concatenate((src.lat, dst.lat))
            )
        )
        n, m = len(src), len(dst)
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}"
        params = {
            "sources": ";".join(map(str, range(n))),
            "destinations": ";".join(map(str, range(n, n + m))),
            "annotations": "duration,distance",
        }
        body = self._get(client, url, params)
        durations = self._cells(body, "durations", n, m)
        distances = self._cells(body, "distances", n, m)
        missing = np.isnan(durations) | np.isnan(distances)
        if missing.any():
            i, j = (int(a[0]) for a in np.nonzero(missing))
            raise RouterError(
                f"OSRM found no road from {src.ids[i]} to {dst.ids[j]} "
                f"({int(missing.sum())} unroutable pair(s) in this block); "
                "check these points are near a road"
            )
        return durations / 60.0, distances / 1000.0

    def _cells(self, body: dict[str, Any], key: str, n: int, m: int) -> np.ndarray:
        rows = body.get(key)
        try:
            values = np.array(
                [[math.nan if v is None else float(v) for v in row] for row in rows],
                dtype=np.float64,
            )
        except (TypeError, ValueError):
            values = None
        if values is None or values.shape != (n, m):
            raise RouterError(
                f"OSRM server at {self.base_url} answered a table without a valid {key!r} "
                f"array of {n}×{m} numbers"
            )
        return values

    def table(self, sources: Points, destinations: Points) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and road km (float32, sources × destinations), in blocks of the table size."""
        n, m, size = len(sources), len(destinations), self.max_table_size
        minutes = np.empty((n, m), dtype=np.float32)
        km = np.empty((n, m), dtype=np.float32)
        client = self.client or httpx.Client()
        try:
            for i in range(0, n, size):
                src = sources.take(np.arange(i, min(n, i + size)))
                for j in range(0, m, size):
                    dst = destinations.take(np.arange(j, min(m, j + size)))
                    block_minutes, block_km = self._block(client, src, dst)
                    minutes[i : i + len(src), j : j + len(dst)] = block_minutes
                    km[i : i + len(src), j : j + len(dst)] = block_km
        finally:
            if self.client is None:
                client.close()
        return minutes, km
