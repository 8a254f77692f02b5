"""The OSRM table client, against a fake OSRM server started in the test (never a real one).

The fake server speaks OSRM's ``/table/v1/driving/`` API. Point ``i`` of a test sits at latitude
``46 + i·1e-4``, and the server answers a duration of ``1000·i + j`` minutes (distance: ten times
that in km) from point ``i`` to point ``j``, so every cell of the assembled matrix says where it
came from.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from geodata import settings
from planner.access.matrices import MatrixCache, choose_router, travel_matrix
from planner.access.osrm import OsrmRouter
from planner.access.routers import OfflineModel, Points
from planner.errors import RouterError


class FakeOsrm(BaseHTTPRequestHandler):
    mode = "ok"
    failures_left = 0
    max_table_size = 100
    requests: ClassVar[list[tuple[int, int]]] = []

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes | str, content_type: str = "application/json") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)  # not urlparse: it cuts the path at ";"
        parts = url.path.split("/")
        if parts[1:4] != ["table", "v1", "driving"]:
            return self._send(
                400, json.dumps({"code": "InvalidUrl", "message": "URL string malformed"})
            )
        coords = [tuple(map(float, c.split(","))) for c in parts[4].split(";")]
        query = parse_qs(url.query)
        sources = [int(s) for s in query["sources"][0].split(";")]
        destinations = [int(d) for d in query["destinations"][0].split(";")]
        type(self).requests.append((len(sources), len(destinations)))
        cls = type(self)
        if cls.failures_left > 0:
            cls.failures_left -= 1
            return self._send(503, "Service Unavailable", "text/plain")
        if cls.mode == "http500":
            return self._send(500, "<html>Internal Server Error</html>", "text/html")
        if cls.mode == "invalid":
            return self._send(
                400,
                json.dumps(
                    {
                        "code": "InvalidQuery",
                        "message": "Query string malformed close to position 12",
                    }
                ),
            )
        if cls.mode == "garbage":
            return self._send(200, "<html><body>It works!</body></html>", "text/html")
        if len(sources) * len(destinations) > cls.max_table_size**2:
            return self._send(
                400, json.dumps({"code": "TooBig", "message": "Too many table coordinates"})
            )
        index = [round((coords[k][1] - 46) * 1e4) for k in range(len(coords))]
        durations = [[60.0 * (1000 * index[s] + index[d]) for d in destinations] for s in sources]
        distances = [
            [10_000.0 * (1000 * index[s] + index[d]) for d in destinations] for s in sources
        ]
        if cls.mode == "null":
            durations[0][-1] = None
            distances[0][-1] = None
        body = {
            "code": "Ok",
            "durations": durations,
            "distances": distances,
            "sources": [],
            "destinations": [],
        }
        self._send(200, json.dumps(body))


@pytest.fixture
def fake_osrm():
    FakeOsrm.mode, FakeOsrm.failures_left, FakeOsrm.requests = "ok", 0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", FakeOsrm
    server.shutdown()
    server.server_close()


def _points(n: int) -> Points:
    return Points(tuple(f"p{i}" for i in range(n)), np.full(n, 1.5), 46 + np.arange(n) * 1e-4)


def test_250_points_in_blocks_of_100_take_9_requests_assembled_in_place(fake_osrm):
    url, server = fake_osrm
    pts = _points(250)
    minutes, km = OsrmRouter(url, backoff=0).table(pts, pts)
    assert len(server.requests) == 9
    assert max(s * d for s, d in server.requests) <= 100 * 100
    expected = 1000 * np.arange(250)[:, None] + np.arange(250)[None, :]
    assert np.array_equal(minutes, expected.astype(np.float32))
    assert np.allclose(km, expected * 10)


def test_a_smaller_table_size_means_more_requests(fake_osrm):
    url, server = fake_osrm
    server.max_table_size = 10
    try:
        minutes, _ = OsrmRouter(url, max_table_size=10, backoff=0).table(_points(25), _points(4))
    finally:
        server.max_table_size = 100
    assert len(server.requests) == 3
    assert minutes[24, 3] == 24 * 1000 + 3


def test_a_server_error_is_retried_then_succeeds(fake_osrm):
    url, server = fake_osrm
    server.failures_left = 2
    minutes, _ = OsrmRouter(url, retries=3, backoff=0).table(_points(2), _points(2))
    assert len(server.requests) == 3
    assert minutes[1, 0] == 1000


def test_persistent_http_500_gives_a_one_line_router_error(fake_osrm):
    url, server = fake_osrm
    server.mode = "http500"
    with pytest.raises(
        RouterError, match=r"did not answer after 3 attempt\(s\) \(HTTP 500\)"
    ) as err:
        OsrmRouter(url, retries=2, backoff=0).table(_points(2), _points(2))
    assert "\n" not in str(err.value)
    assert len(server.requests) == 3


def test_invalid_query_is_reported_with_osrm_code_and_message(fake_osrm):
    url, server = fake_osrm
    server.mode = "invalid"
    with pytest.raises(RouterError, match="InvalidQuery.*Query string malformed"):
        OsrmRouter(url, backoff=0).table(_points(2), _points(2))
    assert len(server.requests) == 1  # a 4xx answer is not retried


def test_an_answer_that_is_not_json_is_reported(fake_osrm):
    url, server = fake_osrm
    server.mode = "garbage"
    with pytest.raises(RouterError, match="not OSRM JSON.*It works"):
        OsrmRouter(url, backoff=0).table(_points(2), _points(2))


def test_a_null_cell_names_the_unroutable_points(fake_osrm):
    url, server = fake_osrm
    server.mode = "null"
    with pytest.raises(RouterError, match="no road from p0 to q2"):
        pts = _points(3)
        OsrmRouter(url, backoff=0).table(pts, Points(("q0", "q1", "q2"), pts.lon, pts.lat))


def test_an_unreachable_port_gives_a_clear_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(
        RouterError, match=rf"127.0.0.1:{port} did not answer after 2 attempt\(s\) \(ConnectError"
    ):
        OsrmRouter(f"http://127.0.0.1:{port}", retries=1, backoff=0, timeout=2).table(
            _points(1), _points(1)
        )


def test_a_url_without_scheme_is_rejected():
    with pytest.raises(RouterError, match="expected http://host:port"):
        OsrmRouter("localhost:5000")


def test_the_cache_saves_every_request_on_the_second_run(fake_osrm, tmp_path):
    url, server = fake_osrm
    pts = _points(120)
    first = travel_matrix(OsrmRouter(url, backoff=0), pts, pts, cache=MatrixCache(tmp_path))
    n = len(server.requests)
    second = travel_matrix(OsrmRouter(url, backoff=0), pts, pts, cache=MatrixCache(tmp_path))
    assert n == 4 and len(server.requests) == n
    assert np.array_equal(first.minutes, second.minutes)
    assert second.router.startswith("OSRM driving at http://127.0.0.1")


def test_one_function_chooses_the_router():
    assert isinstance(choose_router(), OfflineModel)
    assert choose_router(circuity=1.5).circuity == 1.5
    router = choose_router("http://osrm.example:5000/")
    assert isinstance(router, OsrmRouter) and router.base_url == "http://osrm.example:5000"


def test_the_osrm_url_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.delenv("ITINERANCE_OSRM_URL", raising=False)
    assert settings.osrm_url() is None
    monkeypatch.setenv("ITINERANCE_OSRM_URL", "http://osrm.example:5000/")
    assert choose_router(settings.osrm_url()).base_url == "http://osrm.example:5000"
