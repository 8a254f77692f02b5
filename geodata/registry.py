"""The pinned open datasets itinerance reads, and their verified local copies.

Each :class:`Dataset` is one file of ``../shared/data/MANIFEST.json`` written down as code: its
public URL, sha256, size, licence and vintage. :func:`fetch` returns the path of a verified copy
in :func:`geodata.settings.data_dir` (laid out as the manifest), downloading it with pooch when it
is missing and downloads are allowed. One file (the CNFS lieux) has no public URL of its own: it
is *derived* from a pinned original by dropping personal contact data, and :func:`fetch` rebuilds
it byte for byte (SOURCES.md §3a).

This module never reads the files' contents (that is :mod:`geodata.readers`) and never touches
the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geodata import settings
from geodata.errors import DataError

__all__ = [
    "Dataset",
    "Derivation",
    "DATASETS",
    "dataset",
    "fetch",
    "is_present",
    "sha256_of",
    "verify",
]

ProgressHook = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a file downloads."""


@dataclass(frozen=True, slots=True)
class Derivation:
    """How a derived file is rebuilt from a pinned original (see SOURCES.md §3a)."""

    url: str
    sha256: str
    size: int
    drop_keys: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class Dataset:
    """One pinned file: where it comes from, what it is, and how to check it."""

    name: str
    path: str  # relative to settings.data_dir(), as in MANIFEST.json
    url: str | None  # None for derived files
    sha256: str
    size: int
    licence: str
    vintage: str
    description: str
    derived_from: Derivation | None = None

    @property
    def source_url(self) -> str:
        """The URL a user downloads (the original's, for a derived file)."""
        if self.url:
            return self.url
        assert self.derived_from is not None
        return self.derived_from.url

    def local_path(self) -> Path:
        return settings.data_dir() / self.path


_GEOJSON = "https://raw.githubusercontent.com/gregoiredavid/france-geojson/5d34ee6d0140c29f785fdb047d9329f1aab58833"
_INCLUSION = "https://raw.githubusercontent.com/inclusion-numerique/inclusion-numerique/a15f92000cadd0e1cfcdb5bd9c25ff7b8ccf6d8c/apps/web/public/data"
_ETALAB = "https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data"

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="communes",
        path="etalab_decoupage-administratif/communes.json",
        url=f"{_ETALAB}/communes.json",
        sha256="6cafec09b4e127d08edc47f366b28261bee70cca323fbfcb957dd169fcad9284",
        size=8615626,
        licence="Licence Ouverte (data); MIT (code)",
        vintage="COG 2026",
        description=(
            "Communes of France (code, name, département, région, population, former codes)"
        ),
    ),
    Dataset(
        name="epci",
        path="etalab_decoupage-administratif/epci.json",
        url=f"{_ETALAB}/epci.json",
        sha256="40758ace686311837c484da81c2a8ba00a9f356bc6210f3316c6b19daa4dc967",
        size=3980255,
        licence="Licence Ouverte (data); MIT (code)",
        vintage="COG 2026",
        description="EPCI (intercommunalités) and their member communes",
    ),
    Dataset(
        name="contours-centre-val-de-loire",
        path="gregoiredavid_france-geojson/communes-centre-val-de-loire.geojson",
        url=f"{_GEOJSON}/regions/centre-val-de-loire/communes-centre-val-de-loire.geojson",
        sha256="dc048a0d89fcca8169b3b672d3cb2cf3fc5e21f19caedb23f459a227cf32e9ff",
        size=2398207,
        licence="Licence Ouverte (IGN Admin Express COG 2018)",
        vintage="COG 2018",
        description="Commune contours of Centre-Val de Loire (simplified, WGS84)",
    ),
    Dataset(
        name="departements-centre-val-de-loire",
        path="gregoiredavid_france-geojson/departements-centre-val-de-loire.geojson",
        url=f"{_GEOJSON}/regions/centre-val-de-loire/departements-centre-val-de-loire.geojson",
        sha256="700f28ed9cada0c5b8f62dfb7332f71e39b9b5f28174216a3e3941ba02cad4e6",
        size=186983,
        licence="Licence Ouverte (IGN Admin Express COG 2018)",
        vintage="COG 2018",
        description="Département contours of Centre-Val de Loire (WGS84)",
    ),
    Dataset(
        name="communes-centroids",
        path="rcarlier_datas.fun/communes.csv",
        url="https://raw.githubusercontent.com/rcarlier/datas.fun/b9874080432e11b943e93aeae75ee372a024697b/France/communes.csv",
        sha256="2c2676845aa41545ea8b4420e6d3bebb818146d0f657ebb938cb4375751f1b65",
        size=3593706,
        licence="none stated (sources: INSEE COG 2024, INSEE, La Poste BOCP)",
        vintage="COG 2024",
        description="Commune points of France with population 2021 (one row per postal code)",
    ),
    Dataset(
        name="france-services",
        path="anct-carto_france_services/liste-fs-20240801.csv",
        url="https://raw.githubusercontent.com/anct-carto/france_services/77f42baab04eae687d5eef1acdc79ee395f9562b/data/liste-fs-20240801.csv",
        sha256="6eabcb0792c8681af513e65560a7dea08e15d3e72b070a14ca1fed032164efad",
        size=1174580,
        licence="Licence Ouverte / Etalab 2.0",
        vintage="2024-08-01",
        description="National list of France Services (fixed, multi-site, buses, itinerant)",
    ),
    Dataset(
        name="ifn-communes",
        path="inclusion-numerique/ifn-city-all-variation.csv",
        url=f"{_INCLUSION}/ifn-city-all-variation.csv",
        sha256="d790acb341a35779ef49a0e27ae8c2d92ea3414b99e85bbe0dbfb90ce470a78f",
        size=1798270,
        licence="IFN by La MedNum, data licence not stated (repository AGPL-3.0)",
        vintage="2023 (COG 2022/2023)",
        description="Indice de fragilité numérique per commune (total and 5 components, 1-10)",
    ),
    Dataset(
        name="ifn-epci",
        path="inclusion-numerique/ifn-epci-all-variation.csv",
        url=f"{_INCLUSION}/ifn-epci-all-variation.csv",
        sha256="37fc40768422b62337933ea811aa34c589244414a942370282807d70fdb95a1d",
        size=186009,
        licence="IFN by La MedNum, data licence not stated (repository AGPL-3.0)",
        vintage="2023",
        description="Indice de fragilité numérique per EPCI",
    ),
    Dataset(
        name="aidants-connect",
        path="inclusion-numerique/aidants-connect_structures.csv",
        url=f"{_INCLUSION}/aidants-connect_structures.csv",
        sha256="43fdfdde94a0cab62114fb4f50dc3fadf8e5df5092c11476309f1949b25437d2",
        size=852801,
        licence="Aidants Connect export, data licence not stated (repository AGPL-3.0)",
        vintage="2024-02",
        description="Structures authorised for Aidants Connect (INSEE code, no coordinates)",
    ),
    Dataset(
        name="cnfs-lieux",
        path="derived/cnfs-lieux-2022_sans-contacts-personnels.json",
        url=None,
        sha256="49e66fc8b39bbce0fe92903236b94d8bfbc2e659cc1e7d2165ff913254467e1d",
        size=3272061,
        licence="MIT (anct-cartographie-nationale/mednum-cli); data Conseiller numérique / ANCT",
        vintage="2022",
        description="Lieux of conseillers numériques France Services, personal contacts removed",
        derived_from=Derivation(
            url="https://raw.githubusercontent.com/anct-cartographie-nationale/mednum-cli/8098cc4a19a42b6acfd15b1345d5d3b99039b64b/assets/input/cnfs.json",
            sha256="4cefcdf62cbf0de3284e3eaa65de412b54faa2464ea9a9ba05ac29ed4715e3e0",
            size=4138145,
            drop_keys=("aidants", "courriel", "telephone"),
            description=(
                "download the original, check its sha256, drop keys aidants, courriel, telephone "
                "from every object, json.dumps(ensure_ascii=False, separators=(',', ':')), UTF-8"
            ),
        ),
    ),
)

_BY_NAME = {d.name: d for d in DATASETS}

# (resolved path, size, mtime_ns) -> sha256, so repeated loads in one process hash each file once.
_verified: dict[tuple[str, int, int], str] = {}


def dataset(name: str) -> Dataset:
    """The dataset called ``name``; DataError listing the known names otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise DataError(
            f"unknown dataset {name!r}; known datasets: {', '.join(_BY_NAME)}"
        ) from None


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cached_sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        _verified[key] = sha256_of(path)
    return _verified[key]


def sha256_of_verified(path: Path) -> str:
    """sha256 of a file, from the per-process cache when its size and mtime are unchanged."""
    return _cached_sha256(path)


def is_present(ds: Dataset) -> bool:
    """True when the file exists in the data folder (its hash is not checked)."""
    return ds.local_path().is_file()


def verify(ds: Dataset, path: Path | None = None) -> Path:
    """Check a local copy's sha256; DataError naming the file and both hashes on mismatch."""
    path = path or ds.local_path()
    actual = _cached_sha256(path)
    if actual != ds.sha256:
        size = path.stat().st_size
        raise DataError(
            f"{path}: sha256 {actual} does not match the expected {ds.sha256} "
            f"({size} bytes, expected {ds.size}): the file is corrupt or truncated; delete it and "
            f"run `itinerance data fetch {ds.name}`"
        )
    return path


def _missing_message(ds: Dataset) -> str:
    how = f"run `itinerance data fetch {ds.name}` with internet access"
    if not ds.url:
        how += f" (it is derived from {ds.source_url})"
    return (
        f"data file {ds.path} is missing from {settings.data_dir()} and downloads are off "
        f"(ITINERANCE_OFFLINE); {how}, or set ITINERANCE_DATA_DIR to a folder that holds it "
        f"(from {ds.source_url})"
    )


def fetch(
    name: str, *, progress: ProgressHook | None = None, replace_corrupt: bool = False
) -> Path:
    """Local path of the verified file ``name``, downloading (or deriving) it when missing.

    A present file whose hash does not match raises DataError, unless ``replace_corrupt`` asks to
    download it again. Offline (``ITINERANCE_OFFLINE=1``), a missing file raises a one-line
    DataError saying which file, from which URL, and how to provide it.
    """
    ds = dataset(name)
    path = ds.local_path()
    if path.is_file():
        try:
            return verify(ds, path)
        except DataError:
            if not replace_corrupt or settings.offline():
                raise
    if settings.offline():
        raise DataError(_missing_message(ds))
    path.parent.mkdir(parents=True, exist_ok=True)
    if ds.derived_from is None:
        assert ds.url is not None
        _download(ds.url, ds.sha256, path, progress)
    else:
        _derive(ds, path, progress)
    return verify(ds, path)


class _PoochProgress:
    """The small progress-bar protocol pooch drives, forwarded to a (done, total) hook."""

    def __init__(self, hook: ProgressHook):
        self.hook = hook
        self.total = 0
        self.done = 0

    def update(self, n: int) -> None:
        self.done += n
        self.hook(self.done, self.total)

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        self.hook(self.total, self.total)


def _download(url: str, sha256: str, target: Path, progress: ProgressHook | None) -> None:
    """Download ``url`` to ``target`` through pooch (hash checked), via a temporary name."""
    import pooch

    pooch.get_logger().setLevel("WARNING")  # the CLI shows its own progress
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as tmp:
        try:
            fetched = pooch.retrieve(
                url,
                known_hash=f"sha256:{sha256}",
                fname=target.name,
                path=tmp,
                progressbar=_PoochProgress(progress) if progress else False,
            )
        except ValueError as exc:  # pooch: hash mismatch
            raise DataError(f"download of {url} does not match its pinned sha256: {exc}") from None
        except OSError as exc:  # network errors (requests' exceptions derive from OSError)
            raise DataError(f"cannot download {url}: {exc}") from None
        os.replace(fetched, target)


def derive_cnfs(original: bytes, drop_keys: tuple[str, ...]) -> bytes:
    """The CNFS lieux without personal contact data, serialised exactly as SOURCES.md §3a says."""
    lieux = json.loads(original)
    cleaned = [{k: v for k, v in obj.items() if k not in drop_keys} for obj in lieux]
    return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _derive(ds: Dataset, target: Path, progress: ProgressHook | None) -> None:
    spec = ds.derived_from
    assert spec is not None
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".derive-") as tmp:
        original = Path(tmp) / "original.json"
        _download(spec.url, spec.sha256, original, progress)
        data = derive_cnfs(original.read_bytes(), spec.drop_keys)
        actual = hashlib.sha256(data).hexdigest()
        if actual != ds.sha256:
            raise DataError(
                f"derived {ds.path}: sha256 {actual} does not match the expected {ds.sha256}; "
                "the derivation is not reproducible, please report it"
            )
        partial = Path(tmp) / target.name
        partial.write_bytes(data)
        os.replace(partial, target)
