"""The dataset registry: pinned like the manifest, verified, derived, offline errors, downloads."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
from pathlib import Path

import pytest

from geodata import registry
from geodata.errors import DataError


@pytest.mark.usefixtures("data_manifest")
def test_registry_matches_the_manifest(shared_data):
    manifest = json.loads((shared_data / "MANIFEST.json").read_text())["files"]
    by_path = {d.path: d for d in registry.DATASETS}
    assert sorted(by_path) == sorted(f["path"] for f in manifest)
    for entry in manifest:
        ds = by_path[entry["path"]]
        assert (ds.sha256, ds.size) == (entry["sha256"], entry["size"])
        if entry["url"]:
            assert ds.url == entry["url"] and ds.derived_from is None
        else:
            assert ds.url is None
            assert ds.derived_from.url == entry["derived_from"]["url"]
            assert ds.derived_from.sha256 == entry["derived_from"]["sha256"]
        assert ds.licence and ds.vintage and ds.description


def test_every_pinned_file_verifies(shared_data):
    for ds in registry.DATASETS:
        assert registry.fetch(ds.name).resolve() == (shared_data / ds.path).resolve()


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(DataError, match="known datasets: communes, epci"):
        registry.dataset("communes-2027")


@pytest.fixture
def data_copy(shared_data, tmp_path, monkeypatch) -> Path:
    """A data folder of symlinks to the pinned files, pointed at by ITINERANCE_DATA_DIR."""
    for ds in registry.DATASETS:
        target = tmp_path / ds.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(shared_data / ds.path)
    monkeypatch.setenv("ITINERANCE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_truncated_file_is_named_with_both_hashes(data_copy, shared_data):
    ds = registry.dataset("france-services")
    path = data_copy / ds.path
    path.unlink()
    path.write_bytes((shared_data / ds.path).read_bytes()[:50_000])
    with pytest.raises(DataError) as info:
        registry.fetch("france-services")
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message and ds.sha256 in message
    assert hashlib.sha256(path.read_bytes()).hexdigest() in message
    assert "corrupt or truncated" in message


def test_missing_file_offline_says_what_where_and_how(data_copy):
    ds = registry.dataset("ifn-communes")
    (data_copy / ds.path).unlink()
    with pytest.raises(DataError) as info:
        registry.fetch("ifn-communes")
    message = str(info.value)
    assert "\n" not in message
    for needle in (ds.path, ds.url, "itinerance data fetch ifn-communes", "ITINERANCE_DATA_DIR"):
        assert needle in message


def test_derived_file_is_reproduced_byte_for_byte(shared_data):
    ds = registry.dataset("cnfs-lieux")
    data = (shared_data / ds.path).read_bytes()
    # the derived file re-serialised by the same rule gives the same bytes (no key to drop left)
    assert registry.derive_cnfs(data, ds.derived_from.drop_keys) == data


def test_derivation_drops_personal_keys_and_keeps_the_rest():
    original = json.dumps(
        [
            {
                "id": "1",
                "nom": "Médiathèque",
                "aidants": [{"nom": "X"}],
                "courriel": "x@y.fr",
                "telephone": "06",
                "latitude": 46.5,
            }
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    derived = registry.derive_cnfs(original, ("aidants", "courriel", "telephone"))
    assert derived == '[{"id":"1","nom":"Médiathèque","latitude":46.5}]'.encode()


@pytest.fixture
def local_server(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving ``tmp_path/www`` (no internet involved)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _fake(
    name: str, url: str | None, payload: bytes, derived: registry.Derivation | None = None
) -> registry.Dataset:
    return registry.Dataset(
        name=name,
        path=f"test/{name}.bin",
        url=url,
        sha256=hashlib.sha256(payload).hexdigest(),
        size=len(payload),
        licence="test",
        vintage="test",
        description="test",
        derived_from=derived,
    )


def test_fetch_downloads_checks_and_reports_progress(local_server, tmp_path, monkeypatch):
    root, base = local_server
    payload = b"code,name\n36044,Chateauroux\n" * 1000
    (root / "f.csv").write_bytes(payload)
    ds = _fake("fake", f"{base}/f.csv", payload)
    monkeypatch.setitem(registry._BY_NAME, "fake", ds)
    monkeypatch.setenv("ITINERANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ITINERANCE_OFFLINE", "0")
    seen = []
    path = registry.fetch("fake", progress=lambda done, total: seen.append((done, total)))
    assert path.read_bytes() == payload
    assert seen and seen[-1][0] == len(payload)
    assert not list(path.parent.glob(".download-*"))  # no temporary left behind


def test_download_with_wrong_hash_leaves_nothing(local_server, tmp_path, monkeypatch):
    root, base = local_server
    (root / "f.csv").write_bytes(b"tampered")
    ds = _fake("fake", f"{base}/f.csv", b"the pinned content")
    monkeypatch.setitem(registry._BY_NAME, "fake", ds)
    monkeypatch.setenv("ITINERANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ITINERANCE_OFFLINE", "0")
    with pytest.raises(DataError, match="does not match its pinned sha256"):
        registry.fetch("fake")
    assert not ds.local_path().exists()
    assert not list(ds.local_path().parent.iterdir())


def test_fetch_derives_the_cnfs_file_from_its_original(local_server, tmp_path, monkeypatch):
    root, base = local_server
    original = json.dumps(
        [
            {
                "id": "a",
                "aidants": [{"nom": "Jeanne", "telephone": "0600000000"}],
                "telephone": "02",
                "nom": "Lieu",
            }
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    (root / "cnfs.json").write_bytes(original)
    expected = registry.derive_cnfs(original, ("aidants", "courriel", "telephone"))
    spec = registry.Derivation(
        f"{base}/cnfs.json",
        hashlib.sha256(original).hexdigest(),
        len(original),
        ("aidants", "courriel", "telephone"),
        "test",
    )
    ds = _fake("fake-derived", None, expected, spec)
    monkeypatch.setitem(registry._BY_NAME, ds.name, ds)
    monkeypatch.setenv("ITINERANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ITINERANCE_OFFLINE", "0")
    path = registry.fetch(ds.name)
    assert path.read_bytes() == b'[{"id":"a","nom":"Lieu"}]'
    assert b"Jeanne" not in path.read_bytes()


def test_corrupt_file_is_replaced_only_when_asked(local_server, tmp_path, monkeypatch):
    root, base = local_server
    payload = b"good bytes"
    (root / "f.bin").write_bytes(payload)
    ds = _fake("fake", f"{base}/f.bin", payload)
    monkeypatch.setitem(registry._BY_NAME, "fake", ds)
    monkeypatch.setenv("ITINERANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ITINERANCE_OFFLINE", "0")
    ds.local_path().parent.mkdir(parents=True)
    ds.local_path().write_bytes(b"good")
    with pytest.raises(DataError, match="corrupt or truncated"):
        registry.fetch("fake")
    assert registry.fetch("fake", replace_corrupt=True).read_bytes() == payload
