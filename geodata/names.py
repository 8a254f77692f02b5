"""Tolerant matching of free-text commune names to INSEE codes, within a département.

Free texts (France Services ``commentaire``, users' files) write commune names loosely: without
accents or hyphens, "St"/"Ste" for "Saint"/"Sainte", "Saint Georges/Arnon" for
Saint-Georges-sur-Arnon, a hamlet glued to its commune ("Les Granges-Ceaulmont"), the name of a
former commune merged since, or a misspelling. :class:`CommuneIndex` resolves such a name to the
current commune and says how sure it is (:class:`~geodata.records.NameMatch`).

The rules, tried in this order (the first that decides wins):

1. **exact** — the normalised name (:func:`normalize_name`) equals a current commune's → 1.0;
2. **alias** — it equals a former commune's (commune déléguée or associée) → its current
   commune, 1.0;
3. **article** — equal once a leading article (le, la, les, l') is dropped on either side → 0.95;
4. **part** — the whole fails but one contiguous run of its words names exactly one commune
   ("Les Granges-Ceaulmont" → Ceaulmont, "Vierzon Sellier" → Vierzon) and no other run names
   another one, and no fuzzy match of the whole points elsewhere → 0.9; the rest of the text is
   returned by :meth:`CommuneIndex.match_with_remainder` (a hamlet or district);
5. **fuzzy** — similarity (rapidfuzz ``ratio`` on normalised names, 0–1) of the best commune is at
   least :data:`FUZZY_ACCEPT` and ahead of the next commune by :data:`FUZZY_MARGIN` → its score;
6. otherwise **unresolved**: ``insee`` is None, ``reason`` is ``"ambiguous"`` (several communes
   fit, or the best is close but not sure) or ``"no match"``, with the nearest candidates.

It must not guess: a name is never assigned when two communes fit, and everything is
deterministic (ties broken by INSEE code). It does no I/O except :meth:`CommuneIndex.from_cog`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from geodata import settings
from geodata.errors import DataError, UnknownAreaError
from geodata.readers._common import read_json
from geodata.records import NameMatch

__all__ = [
    "CommuneIndex",
    "fold",
    "normalize_name",
    "FUZZY_ACCEPT",
    "FUZZY_MARGIN",
    "FUZZY_PLAUSIBLE",
    "COG_COMMUNES",
]

COG_COMMUNES = "etalab_decoupage-administratif/communes.json"  # path inside the data folder

FUZZY_ACCEPT = 0.85  # a fuzzy match is accepted from this similarity ...
FUZZY_MARGIN = 0.10  # ... when the next commune is at least this much lower
FUZZY_PLAUSIBLE = 0.75  # below this the best candidate is "no match" rather than "ambiguous"
N_CANDIDATES = 5

CONF_ARTICLE = 0.95
CONF_PART = 0.9

_ARTICLES = frozenset({"le", "la", "les", "l"})
# Words that never make a commune name on their own (a "part" must hold something else).
_CONNECTORS = frozenset(
    {
        "le",
        "la",
        "les",
        "l",
        "de",
        "du",
        "des",
        "d",
        "en",
        "sur",
        "sous",
        "aux",
        "au",
        "a",
        "et",
        "saint",
        "sainte",
        "lez",
        "pres",
    }
)
_WORD = re.compile(r"[^\W_]+|/")
_GLUED_SAINT = re.compile(r"^(St|Ste)([A-ZÀ-Ý][^\W_]+)$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


class _FoldTable(dict):
    """``str.translate`` table filled on demand: a character → its base letter, lower case."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0].lower()[:1] or ch
        self[code] = base
        return base


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents, **one character for one** (so positions stay valid).

    >>> fold("Ségry-ÉTÉ")
    'segry-ete'
    """
    return text.translate(_FOLD)


@dataclass(frozen=True, slots=True)
class _Token:
    word: str  # normalised
    start: int  # span in the original text
    end: int


def _tokens(text: str) -> list[_Token]:
    """Normalised words of ``text`` with their spans: "St"→"saint", "s/" and "/"→"sur"."""
    out: list[_Token] = []
    folded = fold(text)
    for m in _WORD.finditer(text):
        raw, start, end = m.group(), m.start(), m.end()
        if raw == "/":
            if out and out[-1].word == "s" and out[-1].end == start:  # "s/Arnon"
                out[-1] = _Token("sur", out[-1].start, end)
            else:
                out.append(_Token("sur", start, end))
            continue
        glued = _GLUED_SAINT.match(raw)  # "StJean" -> "St" "Jean"
        pieces = (
            [(glued.group(1), start), (glued.group(2), start + len(glued.group(1)))]
            if glued
            else [(raw, start)]
        )
        for piece, s in pieces:
            word = folded[s : s + len(piece)].replace("œ", "oe").replace("æ", "ae")
            out.append(_Token(_ABBREVIATIONS.get(word, word), s, s + len(piece)))
    return out


def normalize_name(text: str) -> str:
    """The key two spellings of one name share.

    >>> normalize_name("Saint Georges/Arnon") == normalize_name("Saint-Georges-sur-Arnon")
    True
    >>> normalize_name("Sacierges st Martin")
    'sacierges saint martin'
    """
    return " ".join(t.word for t in _tokens(text))


def _without_article(key: str) -> str:
    first, _, rest = key.partition(" ")
    return rest if first in _ARTICLES and rest else key


@dataclass(frozen=True, slots=True)
class _Choice:
    key: str
    code: str


class CommuneIndex:
    """Current communes (code, name, département) and former names, searchable by loose name.

    ``aliases`` are ``(former name, current code, département)`` triples, e.g. communes déléguées.
    A former name identical to a current commune's name of the same département is ignored (the
    current commune wins).
    """

    def __init__(
        self,
        communes: Iterable[tuple[str, str, str]],
        *,
        aliases: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        self._name: dict[str, str] = {}
        self._dep: dict[str, str] = {}
        self._exact: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._alias: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._bare: dict[tuple[str, str], set[str]] = defaultdict(set)  # without leading article
        self._choices: dict[str, list[_Choice]] = defaultdict(list)  # per département
        for code, name, dep in communes:
            if not code or not name or not dep:
                raise DataError(
                    f"commune index: empty code, name or département in {(code, name, dep)!r}"
                )
            if code in self._name:
                raise DataError(f"commune index: INSEE code {code} is given twice")
            key = normalize_name(name)
            self._name[code], self._dep[code] = name, dep
            self._exact[dep, key].add(code)
            self._bare[dep, _without_article(key)].add(code)
            self._choices[dep].append(_Choice(key, code))
        for name, code, dep in aliases:
            if code not in self._name:
                raise DataError(f"commune index: alias {name!r} points to unknown code {code}")
            key = normalize_name(name)
            if (dep, key) in self._exact:
                continue
            self._alias[dep, key].add(code)
            self._bare[dep, _without_article(key)].add(code)
            self._choices[dep].append(_Choice(key, code))
        for choices in self._choices.values():
            choices.sort(key=lambda c: (c.code, c.key))
        self._all_choices = sorted(
            (c for cs in self._choices.values() for c in cs), key=lambda c: (c.code, c.key)
        )

    # -- construction from the COG ---------------------------------------------------------

    @classmethod
    def from_cog(cls, path: str | Path | None = None) -> CommuneIndex:
        """Index of ``communes.json`` (@etalab/decoupage-administratif): current communes, with
        the communes déléguées and associées as aliases of their current commune.

        ``path`` defaults to the file in the data folder (:func:`geodata.settings.data_dir`).
        """
        path = Path(path) if path is not None else settings.data_dir() / COG_COMMUNES
        if not path.is_file():
            raise DataError(
                f"{path}: file not found (expected the COG communes.json; "
                "`itinerance data fetch` gets it)"
            )
        objects = read_json(path)
        if not isinstance(objects, list):
            raise DataError(f"{path}: expected a JSON array of communes")
        communes, aliases = [], []
        for i, obj in enumerate(objects):
            kind = obj.get("type") if isinstance(obj, dict) else None
            if kind not in ("commune-actuelle", "commune-deleguee", "commune-associee"):
                continue
            missing = [k for k in ("code", "nom", "departement") if not obj.get(k)]
            if kind != "commune-actuelle" and not obj.get("chefLieu"):
                missing.append("chefLieu")
            if missing:
                raise DataError(f"{path}: object {i} ({kind}) lacks field {missing[0]!r}")
            if kind == "commune-actuelle":
                communes.append((obj["code"], obj["nom"], obj["departement"]))
            else:
                aliases.append((obj["nom"], obj["chefLieu"], obj["departement"]))
        if not communes:
            raise DataError(
                f"{path}: no object of type 'commune-actuelle'; is this the COG communes.json?"
            )
        known = {c[0] for c in communes}
        bad = next((a for a in aliases if a[1] not in known), None)
        if bad:
            raise DataError(
                f"{path}: {bad[0]!r} has chefLieu {bad[1]}, which is not a current commune"
            )
        return cls(communes, aliases=aliases)

    # -- lookups ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._name)

    def __contains__(self, code: object) -> bool:
        return code in self._name

    def name(self, code: str) -> str | None:
        """Current name of a commune, or None for an unknown code."""
        return self._name.get(code)

    def departement(self, code: str) -> str | None:
        return self._dep.get(code)

    def departements(self) -> list[str]:
        return sorted(self._choices)

    # -- matching -----------------------------------------------------------------------------

    def match(self, text: str, departement: str | None = None) -> NameMatch:
        """The commune ``text`` names, within ``departement`` (all of France when None)."""
        return self.match_with_remainder(text, departement)[0]

    def match_with_remainder(
        self, text: str, departement: str | None = None
    ) -> tuple[NameMatch, str]:
        """Like :meth:`match`, plus the text left over by a "part" match ("" otherwise).

        >>> idx = CommuneIndex([("36032", "Ceaulmont", "36")])
        >>> m, rest = idx.match_with_remainder("Les Granges-Ceaulmont", "36")
        >>> (m.insee, m.reason, rest)
        ('36032', 'part', 'Les Granges')
        """
        if departement is not None and departement not in self._choices:
            raise UnknownAreaError(f"département {departement!r} has no commune in the index")
        tokens = _tokens(text)
        key = " ".join(t.word for t in tokens)
        if not key:
            return NameMatch(text, None, None, 0.0, (), "no match"), ""
        for table, reason, conf in ((self._exact, "exact", 1.0), (self._alias, "alias", 1.0)):
            codes = self._lookup(table, key, departement)
            if codes:
                return self._decide(text, codes, reason, conf), ""
        codes = self._lookup(self._bare, _without_article(key), departement)
        if codes:
            return self._decide(text, codes, "article", CONF_ARTICLE), ""
        ranked = self._fuzzy(key, departement)
        part = self._part(tokens, departement)
        if part is not None:
            codes, part_key, (start, end) = part
            rival = ranked[0] if ranked and self._is_rival(ranked[0], codes, part_key) else None
            if len(codes) == 1 and rival is None:
                rest = (text[:start].strip(" -–,/'’") + " " + text[end:].strip(" -–,/'’")).strip()
                return self._decide(text, codes, "part", CONF_PART), rest
            found = [(c, self._name[c], CONF_PART) for c in codes] + ([rival] if rival else [])
            found.sort(key=lambda c: (-c[2], c[0]))
            return NameMatch(text, None, None, found[0][2], tuple(found), "ambiguous"), ""
        if not ranked:
            return NameMatch(text, None, None, 0.0, (), "no match"), ""
        best = ranked[0]
        second = ranked[1][2] if len(ranked) > 1 else 0.0
        if best[2] >= FUZZY_ACCEPT and best[2] - second >= FUZZY_MARGIN:
            return NameMatch(text, best[0], best[1], best[2], tuple(ranked), "fuzzy"), ""
        reason = "ambiguous" if best[2] >= FUZZY_PLAUSIBLE else "no match"
        return NameMatch(text, None, None, best[2], tuple(ranked), reason), ""

    def exact_codes(self, text: str, departement: str | None = None) -> list[str]:
        """Codes of the communes whose current or former name is ``text`` (normalised), within
        ``departement`` or all of France; cheap (no fuzzy search)."""
        key = normalize_name(text)
        codes = self._lookup(self._exact, key, departement) or self._lookup(
            self._alias, key, departement
        )
        return sorted(codes)

    def _lookup(
        self, table: dict[tuple[str, str], set[str]], key: str, dep: str | None
    ) -> set[str]:
        if dep is not None:
            return set(table.get((dep, key), ()))
        return {c for d in self._choices for c in table.get((d, key), ())}

    def _decide(self, text: str, codes: set[str], reason: str, conf: float) -> NameMatch:
        if len(codes) == 1:
            (code,) = codes
            return NameMatch(
                text, code, self._name[code], conf, ((code, self._name[code], conf),), reason
            )
        found = tuple((c, self._name[c], conf) for c in sorted(codes))
        return NameMatch(text, None, None, conf, found, "ambiguous")

    def _part(
        self, tokens: list[_Token], dep: str | None
    ) -> tuple[set[str], str, tuple[int, int]] | None:
        """Codes named by the maximal runs of words that name a commune exactly, with the key
        and span of the first such run; None when no run does."""
        n = len(tokens)
        hits: list[tuple[int, int, set[str]]] = []
        for i in range(n):
            for j in range(i + 1, n + 1):
                if j - i == n:
                    continue
                words = [t.word for t in tokens[i:j]]
                if all(w in _CONNECTORS for w in words) or len("".join(words)) < 3:
                    continue
                key = " ".join(words)
                codes = self._lookup(self._exact, key, dep) or self._lookup(self._alias, key, dep)
                if codes:
                    hits.append((i, j, codes))
        maximal = [
            h for h in hits if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] for o in hits)
        ]
        if not maximal:
            return None
        codes = set().union(*(h[2] for h in maximal))
        i, j, _ = maximal[0]
        return codes, " ".join(t.word for t in tokens[i:j]), (tokens[i].start, tokens[j - 1].end)

    def _is_rival(self, best: tuple[str, str, float], codes: set[str], part_key: str) -> bool:
        """Whether a strong fuzzy match of the whole text casts doubt on a "part" match: it
        names another commune whose name holds the matched words ("Neuvy Paillou" with a commune
        "Neuvy" and a commune "Neuvy-Pailloux"). One sharing only a suffix ("Corbeilles en
        gâtinais" ~ Treilles-en-Gâtinais) does not."""
        code, name, score = best
        if score < FUZZY_ACCEPT or code in codes:
            return False
        return f" {part_key} " in f" {normalize_name(name)} "

    def _fuzzy(self, key: str, dep: str | None) -> list[tuple[str, str, float]]:
        """Best-scoring communes (one entry per code), best first, ties by code."""
        choices = self._choices[dep] if dep is not None else self._all_choices
        if not choices:
            return []
        found = process.extract(
            key, [c.key for c in choices], scorer=fuzz.ratio, limit=max(4 * N_CANDIDATES, 20)
        )
        best: dict[str, float] = {}
        for _, score, i in found:
            code = choices[i].code
            best[code] = max(best.get(code, 0.0), round(score / 100.0, 3))
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:N_CANDIDATES]
        return [(code, self._name[code], score) for code, score in ranked]
