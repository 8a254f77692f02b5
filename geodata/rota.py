"""Mobile services' rotas: the free text of a France Services ``commentaire`` → structured stops.

Buses and itinerant services (and multi-site services) write where and when they go as free
text, e.g. ``"Chaque mois : 1er lundi Vicq Exemplet, 2e lundi Migné, … - DERNIER JOUR DU MOIS
Ségry"`` or ``"permanence les mardis matin 9h - 12h à la mairie de Chevry sous le bignon …"``.
:func:`parse_rota` turns one such text into :class:`~geodata.records.RotaStop`\\ s, each with its
commune (matched by :class:`geodata.names.CommuneIndex` within the service's département), its
:class:`~geodata.records.Recurrence` and the fragment of text it was read from
(``stop.recurrence.text``); :func:`parse_france_services_rotas` does it for the rows of the national
France Services list. ``docs/rotas.md`` lists the forms understood, the rules and the limits.

How a text is read: it is cut into recurrence tokens (ordinals, weekdays, "dernier jour du mois",
parts of day, hour ranges), separators and the runs of words between them; runs are matched to
communes. When the text starts with a recurrence ("1er lundi Vicq…", "Lundi : …") each one
applies to the names after it, up to the next; otherwise it applies to the name before it
("Castelnau : lundi 9:00 à 11:30"). Brackets after a name refine its recurrence ("(mardi matin)")
or list its districts or rooms ("Vierzon (Sellier, Forges)": one stop per district).

It must not guess: a name that no commune fits, or several do, is kept as a stop with
``insee=None`` and its candidates; every reading that is not certain (fuzzy or partial match, a
district taken as part of the base town, a recurrence with no place, text that was not read)
adds a one-line message to ``ParsedRota.issues``. Phone numbers and e-mail addresses are masked in
everything it returns. It does no I/O and touches no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from geodata.errors import DataError, UnknownAreaError
from geodata.hours import OddHours, parse_day, parse_week
from geodata.names import CommuneIndex, fold
from geodata.readers._privacy import redact_contacts
from geodata.records import NameMatch, ParsedRota, Recurrence, RecurrenceKind, RotaStop

__all__ = [
    "ROTA_FORMATS",
    "WEEKDAYS_FR",
    "parse_rota",
    "parse_france_services_rotas",
    "describe_recurrence_fr",
    "rotas_markdown_table",
]

ROTA_FORMATS = frozenset({"Bus_équivalent", "Itinérante", "Multisites"})
_REQUIRED_COLUMNS = ("id_fs", "insee_dep", "lib_fs", "insee_com", "format_fs", "commentaire")
_HOURS_COLUMNS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_WEEKDAY_NUMBER = {day: i for i, day in enumerate(WEEKDAYS_FR)}
_ORDINAL_WORDS = {
    "premier": 1,
    "premiere": 1,
    "deuxieme": 2,
    "second": 2,
    "seconde": 2,
    "troisieme": 3,
    "quatrieme": 4,
    "cinquieme": 5,
    "dernier": -1,
    "derniere": -1,
}
_ORD = (
    r"(?:\b1\s?(?:er|ere|re|e)|\b[2-5]\s?(?:e|eme|nd|nde))\b|\b(?:premiere?|deuxieme|seconde?"
    r"|troisieme|quatrieme|cinquieme|derniere?)\b"
)
_DAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_TIME = r"\d{1,2}\s*(?:h|:)\s*(?:\d{2})?"

# Matched on fold(text): lower case, no accents, same positions as the text. Order matters.
_TOKEN = re.compile(
    rf"""
      (?P<lastday>\bdernier\s+jour\s+(?:ouvre\s+|ouvrable\s+)?du\s+mois\b)
    | (?P<weekord>(?:{_ORD})(?:\s*(?:,|et)\s*(?:{_ORD}))*\s+semaines?\b)
    | (?P<hours>(?:\bde\s+)?\b{_TIME}\s*(?:-|–|—|/|\ba\b)\s*\d{{1,2}}
        (?:\s*(?:h|:)\s*(?:\d{{2}})?)?(?!\d))
    | (?P<time>\b{_TIME}(?!\d))
    | (?P<ordinal>{_ORD})
    | (?P<weekday>\b{_DAY}s?\b)
    | (?P<through>(?<=[a-z])\s+au\s+(?={_DAY}))
    | (?P<part>\b(?:matinees?|matins?|apres[\s-]*midis?|journees?)\b)
    | (?P<monthly>\b(?:chaque|par|du|de\s+chaque|tous\s+les)\s+mois\b)
    | (?P<fortnightly>\bune\s+semaine\s+sur\s+deux\b|\bsur\s+deux\b
        |\btous\s+les\s+(?:15|quinze)\s+jours\b
        |\bsemaines?\s+(?:paires|impaires)\b)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<colon>:)
    | (?P<slash>/)
    | (?P<period>\.(?=\s|$))
    | (?P<dash>\s-\s?|-\s)
    | (?P<hard>[,;+|\[\]\n\r–—]|\s_(?=\s))
    | (?P<soft>(?<=\s)(?:et|ou|puis)(?=\s)|&)
    """,
    re.VERBOSE,
)
_NAMED_PLACE = re.compile(
    r"(?:\b(?:a|au|en|dans)\s+)?(?:l'|la\s+|le\s+|les\s+)?\b(?P<place>mairies?|salle\s+(?:des\s+fetes"
    r"|polyvalente|communale|municipale|du\s+conseil|des\s+associations)|agence\s+postale(?:\s+communale)?"
    r"|bibliotheque|mediatheque|centre\s+social|foyer\s+rural|maison\s+des\s+associations)"
    r"\s+(?:de\s+|d'|du\s+|des\s+)?"
)
_AT = re.compile(r"\b(?:a|au|aux|chez)\s+")
_WORDS = re.compile(r"[^\W_]+")
_N_COMMUNES = re.compile(r"\b(\d+)\s+(?:communes|villes|villages)\b")
_DISTRICTS = re.compile(r"\bquartiers?\b|\bqpv\b")
_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")

# Words that carry no place name: a run made only of these is dropped without a word, and they
# are skipped at the start of a run ("itinérance à Sermaises").
_FILLER = frozenset(
    """a au aux de du des d en la le les l et ou puis sur par pour avec dans chez chaque tous toutes
    tout mois semaine semaines permanence permanences itinerance itinerances itinerant itinerante
    itinerants itinerantes accueil accueils service services bus tournee tournees passage passages
    rendez vous rdv uniquement seront sera assuree assurees assure assures lieu lieux quartier
    quartiers qpv prioritaire prioritaires france ville villes commune communes site sites egalement
    aussi fixe mobile presence present presente ouverture ouvert ouverte contact contacter mairie
    sans telephone telephones tel courriel mail masque renseignement renseignements information
    informations joindre structure structures multi multisite multisites non pas fermeture fermee
    ferme prendre antenne antennes numero agenda planning hebdomadaire mensuel mensuelle notre nos
    votre vos demande coordonnee coordonnees telephonique adresse adresses horaires horaire prise
    conseillee recommande recommandee obligatoire retrouvez secteur secteurs
    """.split()
)
_ARTICLES = frozenset({"le", "la", "les", "l"})
_TRAILING = frozenset(
    "a au aux de du des d en la le les l et ou puis sur par chez chaque tous".split()
)
_JOINERS = frozenset(
    "le la les l sur sous en de du des d aux au et lez pres st ste saint sainte".split()
)
_QUALIFIER_START = frozenset("en sur sous de du des d lez pres aux au".split())
_CERTAIN = ("exact", "alias", "article")
_MAX_NAME_WORDS = 5

# ---------------------------------------------------------------------------------------------
# Scanning


@dataclass(slots=True)
class _Tok:
    """A recurrence token, or a separator (kind in :data:`_SEPARATORS`)."""

    kind: str
    value: object
    start: int
    end: int


@dataclass(slots=True)
class _Run:
    """Words between tokens: a candidate commune name."""

    start: int
    end: int


@dataclass(slots=True)
class _Paren:
    items: list
    start: int
    end: int


@dataclass(slots=True)
class _Name:
    """A run read as a commune (possibly unresolved)."""

    raw: str
    start: int
    end: int
    match: NameMatch
    place: str | None = None
    paren: _Paren | None = None


_SEPARATORS = frozenset({"hard", "soft", "colon", "period", "open", "close"})
_DETAILS = frozenset({"part", "hours"})
_DAY_KINDS = frozenset({"weekday", "ordinal", "lastday"})


def _is_tok(it: object, kinds: Iterable[str] | None = None) -> bool:
    return isinstance(it, _Tok) and (kinds is None or it.kind in kinds)


def _token_value(kind: str, text: str) -> object:
    if kind == "ordinal":
        word = text.replace(" ", "")
        return _ORDINAL_WORDS.get(word, int(word[0]) if word[:1].isdigit() else None)
    if kind == "weekday":
        return _WEEKDAY_NUMBER[text.rstrip("s")]
    if kind == "part":
        return (
            "matin"
            if text.startswith("matin")
            else "journée"
            if text.startswith("journee")
            else "après-midi"
        )
    return text


def _joined(folded: str, m: re.Match) -> bool:
    """Whether a '/', '.' or '-' belongs to a name rather than separating two items."""
    before, after = folded[: m.start()], folded[m.end() :]
    if m.lastgroup == "slash":  # "Saint Georges/Arnon", "Verteuil s/ Charente"
        return (before[-1:].isalpha() and after[:1].isalpha()) or bool(
            re.search(r"\bs\s?$", before)
        )
    if m.lastgroup == "period":  # "St. Martin"
        return bool(re.search(r"\b(?:st|ste)$", before))
    if m.lastgroup == "dash" and not (m.group().startswith(" ") and m.group().endswith(" ")):
        left = re.search(r"[^\W_]+\s*$", before)  # "Sauvigny -les -Bois", "Mars -sur- Allier"
        right = re.match(r"\s*[^\W_]+", after)
        return any(w is not None and w.group().strip() in _JOINERS for w in (left, right))
    return False


def _scan(text: str, folded: str) -> list[_Tok | _Run]:
    """Tokens and runs of ``text``, in order."""
    out: list[_Tok | _Run] = []
    pos = 0

    def add_run(start: int, end: int) -> None:
        while start < end and not text[start].isalnum():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        if end > start:
            out.append(_Run(start, end))

    for m in _TOKEN.finditer(folded):
        kind = m.lastgroup or "hard"
        if kind in ("slash", "period", "dash") and _joined(folded, m):
            continue
        add_run(pos, m.start())
        kind = "hard" if kind in ("slash", "dash") else kind
        out.append(_Tok(kind, _token_value(kind, m.group()), m.start(), m.end()))
        pos = m.end()
    add_run(pos, len(text))
    return out


def _nest(items: list) -> list:
    """Bracketed items grouped into :class:`_Paren` (one level; stray brackets are separators)."""
    out: list = []
    stack: list[tuple[list, int]] = []
    for it in items:
        if _is_tok(it, ("open",)) and not stack:
            stack.append((out, it.start))
            out = []
        elif _is_tok(it, ("close",)) and stack:
            parent, start = stack.pop()
            parent.append(_Paren(out, start, it.end))
            out = parent
        elif _is_tok(it, ("open", "close")):
            out.append(_Tok("hard", None, it.start, it.end))
        else:
            out.append(it)
    if stack:  # unclosed bracket: keep its content inline
        parent, start = stack.pop()
        out = parent + [_Tok("hard", None, start, start + 1)] + out
    return out


# ---------------------------------------------------------------------------------------------
# Recurrences


@dataclass(slots=True)
class _Item:
    """One weekday (or the last day of the month, or no day) with what the text says of it."""

    weekday: int | None = None
    ordinals: list[int] = field(default_factory=list)
    last_day: bool = False
    parts: list[str] = field(default_factory=list)
    hours: list[tuple[int, int]] = field(default_factory=list)
    fortnightly: bool = False
    monthly: bool = False  # said in a group that speaks of months ("chaque mois")

    def bare(self) -> bool:
        return not self.parts and not self.hours


class _Reader:
    """Reads one text; collects its issues."""

    def __init__(self, rota: ParsedRota, index: CommuneIndex) -> None:
        self.rota = rota
        self.text = rota.raw_text
        self.index = index
        self.folded = fold(self.text)
        self.districts = bool(_DISTRICTS.search(self.folded))
        self.ignored: list[str] = []

    def issue(self, message: str) -> None:
        if message not in self.rota.issues:
            self.rota.issues.append(message)

    def frag(self, start: int, end: int) -> str:
        return " ".join(self.text[start:end].split())

    # -- recurrences ---------------------------------------------------------------------------

    def items(self, toks: list[_Tok], inherit: list[_Item]) -> list[_Item]:
        """The days a group of tokens describes. Ordinals, hours or a part of day given without a
        weekday refine the ``inherit``\\ ed days ("2e" after "1er lundi" is the 2nd Monday)."""
        items: list[_Item] = []
        pending: list[int] = []
        loose_parts: list[str] = []
        loose_hours: list[tuple[int, int]] = []
        fortnightly = monthly = through = False
        enumeration: list[_Item] = []  # days listed since the last detail ("lundi et mardi")
        for t in toks:
            if t.kind == "ordinal":
                pending.append(t.value)  # type: ignore[arg-type]
            elif t.kind in ("weekday", "lastday"):
                day = t.value if t.kind == "weekday" else None
                if through and items and items[-1].weekday is not None and day is not None:
                    for between in range(items[-1].weekday + 1, day):  # "du lundi au vendredi"
                        items.append(_Item(weekday=between))
                        enumeration.append(items[-1])
                items.append(_Item(weekday=day, ordinals=pending, last_day=t.kind == "lastday"))  # type: ignore[arg-type]
                enumeration.append(items[-1])
                pending, through = [], False
            elif t.kind == "through":
                through = True
            elif t.kind in _DETAILS:
                value = self.hours(t) if t.kind == "hours" else t.value
                if value is None:
                    continue
                targets = [i for i in enumeration if i.bare()] or items[-1:]
                if not targets:
                    (loose_hours if t.kind == "hours" else loose_parts).append(value)  # type: ignore[arg-type]
                for i in targets:
                    (i.hours if t.kind == "hours" else i.parts).append(value)  # type: ignore[arg-type]
                enumeration = [i for i in enumeration if i in targets]
            elif t.kind == "fortnightly":
                fortnightly = True
            elif t.kind == "monthly":
                monthly = True
            elif t.kind == "weekord":
                self.issue(
                    f"frequency {self.frag(t.start, t.end)!r} (weeks of the month) not read: "
                    "its stops are given as weekly"
                )
        if pending:
            target = next((i for i in reversed(items) if not i.ordinals and not i.last_day), None)
            base_days = [i for i in inherit if i.weekday is not None]
            if target is not None:  # "lundi (1er et 3e)"
                target.ordinals = pending
            elif base_days:  # "2e" after "1er lundi", "(1er et 3ème du mois)" after "Mercredi :"
                items = [
                    _Item(
                        weekday=i.weekday,
                        ordinals=list(pending),
                        parts=list(loose_parts),
                        hours=list(loose_hours),
                    )
                    for i in base_days
                ]
                loose_parts, loose_hours = [], []
            else:
                self.issue(
                    f"n-th {pending} given without a weekday in "
                    f"{self.frag(toks[0].start, toks[-1].end)!r}: not read"
                )
        if not items and (
            loose_parts or loose_hours
        ):  # "(matin)" after "Lundi :"; "le matin à Nant"
            items = [
                replace(i, parts=loose_parts or list(i.parts), hours=loose_hours or list(i.hours))
                for i in inherit
            ] or [_Item(parts=loose_parts, hours=loose_hours)]
        elif loose_parts or loose_hours:  # "de 9h à 12h les lundis à …"
            for i in items:
                if i.bare():
                    i.parts, i.hours = list(loose_parts), list(loose_hours)
        for i in items:
            i.fortnightly = i.fortnightly or fortnightly
            i.monthly = i.monthly or monthly
        return items

    def hours(self, t: _Tok) -> tuple[int, int] | None:
        raw = self.text[t.start : t.end]
        try:
            (interval,) = parse_day(raw.replace("/", "-"))
        except (OddHours, ValueError):
            self.issue(f"hours {raw.strip()!r} not read")
            return None
        return interval.start, interval.end

    def recurrences(self, items: list[_Item], fragment: str) -> list[Recurrence]:
        out: list[Recurrence] = []
        for i in items or [_Item()]:
            if i.last_day:
                kinds: list[tuple[RecurrenceKind, int | None]] = [
                    (RecurrenceKind.LAST_DAY_OF_MONTH, None)
                ]
            elif i.weekday is None:
                kinds = [(RecurrenceKind.UNKNOWN, None)]
            elif i.ordinals:
                kinds = [(RecurrenceKind.NTH_WEEKDAY, n) for n in i.ordinals]
            elif i.fortnightly:
                kinds = [(RecurrenceKind.FORTNIGHTLY, None)]
            else:
                if i.monthly:
                    self.issue(
                        f"{fragment!r}: a weekday without its n-th in a monthly rota, "
                        "read as weekly"
                    )
                kinds = [(RecurrenceKind.WEEKLY, None)]
            parts = [None if p == "journée" else p for p in i.parts]
            slots: list[tuple[str | None, tuple[int, int] | None]]
            if i.hours:
                same = len(parts) == len(i.hours)
                slots = [
                    (parts[k] if same else (parts[0] if len(parts) == 1 else None), h)
                    for k, h in enumerate(i.hours)
                ]
            else:
                slots = [(p, None) for p in (parts or [None])]
            for kind, nth in kinds:
                for part, hrs in slots:
                    out.append(
                        Recurrence(
                            kind,
                            weekday=i.weekday,
                            nth=nth,
                            start=hrs[0] if hrs else None,
                            end=hrs[1] if hrs else None,
                            part_of_day=part,
                            text=fragment,
                        )
                    )
        return out

    # -- names ---------------------------------------------------------------------------------

    def _match(self, text: str) -> tuple[NameMatch, str]:
        return self.index.match_with_remainder(text, self.rota.departement)

    def name(self, run: _Run, header: bool = False) -> _Name | None:
        """The commune a run names (possibly unresolved), or None for words that name none.
        A ``header`` (words before a colon) is kept only if it names a commune."""
        start, end = run.start, self._trim_trailing(run.start, run.end)
        if end <= start:
            return None
        match, rest = self._match(self.text[start:end])
        if match.reason in _CERTAIN:
            return _Name(self.text[start:end], start, end, match)
        place: str | None = None
        cut = self._cut(start, end)
        if cut is not None:
            if "fixe" in self.folded[start : start + cut[0]].split():
                return None  # "Accueil fixe à Pithiviers": the service's own site, not a stop
            place, start = cut[2], start + cut[1]
        said = self.text[start:end]  # judged as prose before fillers are skipped
        named = self._skip_filler(start, end)
        if named >= end:
            return None
        raw = self.text[named:end]
        match, rest = self._match(raw)
        certain = match.reason in _CERTAIN
        prose = any(ch.isdigit() for ch in said) or len(said.split()) > _MAX_NAME_WORDS
        if not certain and (prose or header or not any(w[:1].isupper() for w in raw.split())):
            if not header:
                self.ignored.append(" ".join(said.split()))
            return None
        if rest:
            rest = self._strip_connectors(rest)
            first = _WORDS.search(fold(rest))
            if first is not None and first.group() in _QUALIFIER_START:  # "… en gâtinais"
                self.issue(f"{raw!r} read as {match.name} ({match.insee}); {rest!r} ignored")
            elif rest:
                place = rest
                self.issue(
                    f"{raw!r} read as {match.name} ({match.insee}) with {rest!r} as the place "
                    "(hamlet or district)"
                )
        elif match.reason == "fuzzy":
            self.issue(
                f"{raw!r} read as {match.name} ({match.insee}) by fuzzy match, "
                f"score {match.confidence:.2f}"
            )
        elif match.reason == "article":
            self.issue(f"{raw!r} read as {match.name} ({match.insee}) up to an article")
        return _Name(raw, named, end, match, place)

    def _cut(self, start: int, end: int) -> tuple[int, int, str | None] | None:
        """Where the name starts after "à la mairie de", "au", "à": (cut start, cut end, place)
        relative to ``start``. Of several "à", the first followed by a commune's exact name wins
        ("à la Chapelle au Riboul"), else the last."""
        folded = self.folded[start:end]
        found = _NAMED_PLACE.search(folded)
        if found and found.end() < len(folded):
            place = " ".join(
                self.text[start + found.start("place") : start + found.end("place")].split()
            )
            return found.start(), found.end(), place
        cuts = [m for m in _AT.finditer(folded) if m.end() < len(folded)]
        for m in cuts:
            after = self._skip_filler(start + m.end(), end)
            if after < end and self._match(self.text[after:end])[0].reason in _CERTAIN:
                return m.start(), m.end(), None
        return (cuts[-1].start(), cuts[-1].end(), None) if cuts else None

    def _strip_connectors(self, text: str) -> str:
        """``text`` without trailing connector words ("CCAS de" → "CCAS")."""
        words = text.split()
        while words and fold(words[-1]) in _TRAILING:
            words.pop()
        return " ".join(words)

    def _trim_trailing(self, start: int, end: int) -> int:
        """End of the run without its trailing connector words ("Corbeilles en gâtinais les")."""
        while True:
            words = list(_WORDS.finditer(self.folded[start:end]))
            if not words or words[-1].group() not in _TRAILING:
                return end
            if words[-1].start() > 0 and self.folded[start + words[-1].start() - 1] in "-'":
                return end  # "Fleury-les" ends a hyphenated name, not a sentence
            end = start + words[-1].start()
            while end > start and not self.text[end - 1].isalnum():
                end -= 1

    def _skip_filler(self, start: int, end: int) -> int:
        """Skip leading filler words, keeping an article that starts a name ("Le Noyer"); a
        hyphenated chunk is skipped only if all its words are fillers ("rendez-vous", not
        "Pas-en-Artois")."""
        chunks = [
            (m, set(_WORDS.findall(m.group()))) for m in re.finditer(r"\S+", self.folded[start:end])
        ]
        for k, (chunk, words) in enumerate(chunks):
            if not words <= _FILLER:
                return start + chunk.start() + next(_WORDS.finditer(chunk.group())).start()
            article = words <= _ARTICLES or chunk.group().endswith("'")
            if article and k + 1 < len(chunks) and not chunks[k + 1][1] <= _FILLER:
                return start + chunk.start()
        return end

    def district(self, name: _Name) -> _Name:
        """An unresolved name in a text about districts: a district of the base commune."""
        base = self.rota.base_insee
        if (
            not self.districts
            or name.match.insee is not None
            or base is None
            or base not in self.index
        ):
            return name
        base_name = self.index.name(base)
        self.issue(
            f"{name.raw!r} is no commune of {self.rota.departement}; "
            "read as a district of the base "
            f"commune {base_name} ({base}), as the text speaks of districts"
        )
        match = NameMatch(name.raw, base, base_name, 0.8, name.match.candidates, "district of base")
        return _Name(name.raw, name.start, name.end, match, name.raw, name.paren)

    def split_pair(self, name: _Name) -> list[_Name]:
        """ "Lussant/St Coutant le Grand": two communes joined by '/' when each is one exactly."""
        if name.match.insee is not None or "/" not in name.raw:
            return [name]
        pieces, pos = [], name.start
        for piece in name.raw.split("/"):
            pieces.append(_Run(pos, pos + len(piece)))
            pos += len(piece) + 1
        ignored, issues = list(self.ignored), list(self.rota.issues)
        read = [self.name(p) for p in pieces]
        if any(n is None or n.match.reason not in _CERTAIN for n in read):
            self.ignored, self.rota.issues[:] = ignored, issues
            return [name]
        self.issue(
            f"{name.raw!r} read as {len(read)} communes: "
            + ", ".join(f"{n.match.name} ({n.match.insee})" for n in read if n)
        )
        return [replace(n, paren=name.paren) for n in read if n]


# ---------------------------------------------------------------------------------------------
# Building stops


def _merge_soft(reader: _Reader, items: list) -> list:
    """Join "A et B" when the whole is one commune's name ("Saint-Georges et Isson")."""
    out: list = []
    for it in items:
        if (
            isinstance(it, _Run)
            and len(out) >= 2
            and isinstance(out[-2], _Run)
            and _is_tok(out[-1], ("soft",))
        ):
            joined = reader.text[out[-2].start : it.end]
            if reader.index.exact_codes(joined, reader.rota.departement):
                out[-2:] = [_Run(out[-2].start, it.end)]
                continue
        out.append(it)
    return out


def _resolve(reader: _Reader, items: list) -> list:
    """Runs → :class:`_Name` (words naming nothing dropped); a bracket right after a name is
    attached to it, any other bracket is read inline."""
    out: list = []
    previous_was_name = False
    items = _merge_soft(reader, items)
    for k, it in enumerate(items):
        if isinstance(it, _Run):
            following = items[k + 1] if k + 1 < len(items) else None
            name = reader.name(it, header=_is_tok(following, ("colon",)))
            if name is not None:
                out.append(name)
            previous_was_name = name is not None
            continue
        if isinstance(it, _Paren):
            if previous_was_name:
                out[-1].paren = it
            else:
                out.extend(_resolve(reader, it.items))
        else:
            out.append(it)
        previous_was_name = False
    resolved: list = []
    for x in out:
        resolved.extend(
            [reader.district(n) for n in reader.split_pair(x)] if isinstance(x, _Name) else [x]
        )
    return resolved


def _recurrence_tokens(items: list) -> list[_Tok]:
    return [t for t in items if isinstance(t, _Tok) and t.kind not in _SEPARATORS]


def _paren_parts(reader: _Reader, paren: _Paren) -> tuple[list[_Tok], list[str]]:
    """A bracket's recurrence tokens and its other runs (districts, rooms)."""
    places = []
    for it in paren.items:
        if isinstance(it, _Run):
            end = reader._trim_trailing(it.start, it.end)
            if reader._skip_filler(it.start, end) < end:
                places.append(" ".join(reader.text[it.start : end].split()))
    return _recurrence_tokens(paren.items), places


@dataclass(slots=True)
class _Entry:
    name: _Name
    items: list[_Item]
    start: int  # where its fragment starts
    end: int


def _stops(reader: _Reader, entry: _Entry) -> list[RotaStop]:
    name, items = entry.name, entry.items
    places: list[str | None] = [name.place]
    if name.paren is not None:
        toks, paren_places = _paren_parts(reader, name.paren)
        if toks:
            items = reader.items(toks, items)
        if paren_places:
            places = paren_places
    fragment = reader.text[
        entry.start : max(entry.end, name.paren.end if name.paren else 0)
    ].strip()
    recs = reader.recurrences(items, fragment)
    return [
        RotaStop(reader.rota.service_id, 0, name.raw, name.match, rec, place)
        for place in places
        for rec in recs
    ]


def _trailing_details(items: list, k: int) -> int:
    """How many detail tokens right after the name at ``k`` belong to it: hours or a part of day
    followed by a separator or by a new day ("Martigné de 9h à 12h et le 2e jeudi …",
    "Castellas journée"), not those that lead to the next name ("le matin à Nant et l'après-midi
    à La Cavalerie")."""
    n = 0
    while k + 1 + n < len(items) and _is_tok(items[k + 1 + n], _DETAILS):
        n += 1
    if n == 0:
        return 0
    rest = items[k + 1 + n :]
    nxt = next((it for it in rest if not _is_tok(it, ("soft",))), None)
    if nxt is None or _is_tok(nxt, ("hard", "colon", "period")) or _is_tok(nxt, _DAY_KINDS):
        return n
    return 0


def _build(reader: _Reader, items: list) -> list[_Entry]:
    names = [k for k, it in enumerate(items) if isinstance(it, _Name)]
    toks = [k for k, it in enumerate(items) if _is_tok(it) and it.kind not in _SEPARATORS]
    if not names:
        if toks:
            said = "; ".join(
                describe_recurrence_fr(r)
                for r in reader.recurrences(reader.items(_recurrence_tokens(items), []), "")
            )
            reader.issue(
                "recurrence without a named place: "
                f"{reader.frag(items[toks[0]].start, items[toks[-1]].end)!r} ({said}); no stop"
            )
        return []
    entries: list[_Entry] = []
    if toks and toks[0] < names[0]:  # "1er lundi Vicq Exemplet, 2e lundi Migné …"
        group: list[_Tok] = []
        closed = False
        current: list[_Item] = []
        skip = 0
        for k, it in enumerate(items):
            if skip:
                skip -= 1
                continue
            if _is_tok(it, ("period",)) and group and not closed:  # a sentence ends the group
                reader.issue(
                    "recurrence without a named place: "
                    f"{reader.frag(group[0].start, group[-1].end)!r}"
                )
                group = []
            elif _is_tok(it) and it.kind not in _SEPARATORS:
                if closed:
                    group, closed = [], False
                group.append(it)
            elif isinstance(it, _Name):
                if group and not closed:
                    current, closed = reader.items(group, current), True
                entry = _Entry(it, current, group[0].start if group else it.start, it.end)
                skip = _trailing_details(items, k)
                if skip:
                    details = items[k + 1 : k + 1 + skip]
                    entry.items, entry.end = reader.items(details, current), details[-1].end
                entries.append(entry)
        if group and not closed:
            reader.issue(
                "recurrence without a named place at the end: "
                f"{reader.frag(group[0].start, group[-1].end)!r}"
            )
    else:  # "Castelnau : lundi 9:00 à 11:30 …", "Vierzon, Foëcy, …"
        bounds = names + [len(items)]
        for k, i in enumerate(names):
            following = _recurrence_tokens(items[i + 1 : bounds[k + 1]])
            end = following[-1].end if following else items[i].end
            entries.append(_Entry(items[i], reader.items(following, []), items[i].start, end))
    return entries


def _check_announced(reader: _Reader, stops: list[RotaStop]) -> None:
    announced = _N_COMMUNES.search(reader.folded)
    if not announced:
        return
    sentence = reader.frag(*_sentence_around(reader.text, announced.start(), announced.end()))
    if not stops:
        reader.issue(f"the text gives no list of stops: {sentence!r}")
        reader.ignored = [t for t in reader.ignored if t not in sentence]
        return
    count = len({s.insee or s.raw_name for s in stops})
    if count != int(announced.group(1)):
        reader.issue(
            f"the text announces {announced.group(1)} communes, {count} were read: {sentence!r}"
        )


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    ends = ".;:–—\n"
    left = max(text.rfind(c, 0, start) for c in ends) + 1
    rights = [p for p in (text.find(c, end) for c in ends) if p != -1]
    for p in (text.rfind(" - ", 0, start), text.find(" - ", end)):
        if p != -1 and p < start:
            left = max(left, p + 3)
        elif p != -1:
            rights.append(p)
    return left, min(rights) if rights else len(text)


def _clean(text: str) -> str:
    """The text as kept: ``\\xNN`` escapes (found in some rows) decoded, non-breaking spaces and
    curly apostrophes made plain, phone numbers and e-mail addresses masked."""
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text or "")
    return redact_contacts(text.replace("\u00a0", " ").replace("’", "'"))


# ---------------------------------------------------------------------------------------------
# Public API


def parse_rota(
    service_id: str,
    service_name: str,
    departement: str,
    base_insee: str | None,
    text: str,
    index: CommuneIndex,
) -> ParsedRota:
    """The stops of one mobile or multi-site service read from its free-text rota.

    Names are matched within ``departement``; ``base_insee`` (the service's home commune) is
    where districts named without a commune are placed. Stops are numbered from 1 in text order.
    ``raw_text`` of the result is the text as cleaned (see :func:`_clean`); every stop's
    ``recurrence.text`` is a fragment of it.
    """
    if departement not in index.departements():
        raise UnknownAreaError(
            f"service {service_id}: département {departement!r} has no commune in the index"
        )
    rota = ParsedRota(service_id, service_name, base_insee, departement, _clean(text))
    if not rota.raw_text.strip():
        rota.issues.append("no rota text (commentaire is empty): stops unknown")
        return rota
    if base_insee is not None and base_insee not in index:
        rota.issues.append(f"base commune {base_insee} is not a current commune of the index")
    reader = _Reader(rota, index)
    entries = _build(reader, _resolve(reader, _nest(_scan(reader.text, reader.folded))))
    stops = [stop for entry in entries for stop in _stops(reader, entry)]
    _check_announced(reader, stops)
    for n, stop in enumerate(stops, start=1):
        rota.stops.append(replace(stop, order=n))
        if stop.insee is None:
            reader.issue(_unresolved_message(stop, departement, index))
    if reader.ignored:
        rota.issues.append("text not read as a stop: " + "; ".join(repr(t) for t in reader.ignored))
    if not stops and not rota.issues:
        rota.issues.append("no stop could be read from the text")
    return rota


def _unresolved_message(stop: RotaStop, departement: str, index: CommuneIndex) -> str:
    """One line: the name, why it is unresolved, its nearest communes, and communes of that exact
    name in other départements (a rota may cross a border: shown, never assigned)."""
    near = ", ".join(f"{name} ({code}) {score:.2f}" for code, name, score in stop.match.candidates)
    what = "no sure match" if stop.match.reason == "ambiguous" else "no commune matches"
    elsewhere = index.exact_codes(stop.raw_name)
    other = ", ".join(f"{index.name(c)} ({c})" for c in elsewhere[:3]) + (
        " …" if len(elsewhere) > 3 else ""
    )
    return (
        f"{stop.raw_name!r}: {what} in {departement}{'; nearest: ' + near if near else ''}"
        f"{'; same name in another département: ' + other if other else ''}; left unresolved"
    )


def parse_france_services_rotas(
    rows: Iterable[Mapping[str, str]], index: CommuneIndex
) -> list[ParsedRota]:
    """Parsed rotas of the mobile and multi-site services (``format_fs`` in :data:`ROTA_FORMATS`)
    among rows of the France Services list, with their opening hours when they read cleanly.

    ``rows`` are the CSV records as dicts of the original column names (read with a real CSV
    parser: ``commentaire`` holds line breaks). Service ids are ``"fs:<id_fs>"``.
    """
    out: list[ParsedRota] = []
    for n, row in enumerate(rows, start=1):
        missing = next((c for c in _REQUIRED_COLUMNS if c not in row), None)
        if missing:
            raise DataError(f"France Services list, record {n}: missing column {missing!r}")
        if (row["format_fs"] or "").strip() not in ROTA_FORMATS:
            continue
        id_fs = (row["id_fs"] or "").strip()
        if not id_fs:
            raise DataError(f"France Services list, record {n}: empty id_fs")
        rota = parse_rota(
            f"fs:{id_fs}",
            (row["lib_fs"] or "").strip(),
            (row["insee_dep"] or "").strip(),
            (row["insee_com"] or "").strip() or None,
            row["commentaire"] or "",
            index,
        )
        rota.hours, odd = parse_week(
            {d: row.get(col) for d, col in enumerate(_HOURS_COLUMNS) if col in row}
        )
        for day, text, why in odd:
            rota.issues.append(f"opening hours of {WEEKDAYS_FR[day]} not read: {text!r} ({why})")
        out.append(rota)
    return out


def rotas_markdown_table(rotas: Iterable[ParsedRota]) -> str:
    """A Markdown table of parsed rotas: stops, communes, names read by a rule other than an
    exact match, unresolved names and the number of issues (``docs/rotas.md`` shows it)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|") or "—"

    lines = [
        "| Service | Dép. | Base | Stops | Communes | Read by a rule | Unresolved | Issues |",
        "|---|---|---|---:|---:|---|---|---:|",
    ]
    for r in rotas:
        ruled: dict[str, str] = {}
        for s in r.stops:
            if s.insee is not None and s.match.reason not in ("exact", "alias"):
                ruled.setdefault(s.raw_name, f"{s.raw_name} → {s.match.name} ({s.match.reason})")
        unresolved = dict.fromkeys(s.raw_name for s in r.stops if s.insee is None)
        communes = len({s.insee for s in r.stops if s.insee})
        lines.append(
            f"| {cell(r.service_id + ' ' + r.service_name)} | {r.departement} "
            f"| {r.base_insee or '—'} | {len(r.stops)} | {communes} "
            f"| {cell('; '.join(ruled.values()))} "
            f"| {cell(', '.join(unresolved))} | {len(r.issues)} |"
        )
    return "\n".join(lines) + "\n"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def describe_recurrence_fr(rec: Recurrence) -> str:
    """A recurrence as users say it, in French.

    >>> describe_recurrence_fr(Recurrence(RecurrenceKind.NTH_WEEKDAY, weekday=0, nth=1))
    '1er lundi du mois'
    >>> rec = Recurrence(RecurrenceKind.NTH_WEEKDAY, weekday=1, nth=2, start=600, end=750)
    >>> describe_recurrence_fr(rec)
    '2e mardi du mois, 10:00–12:30'
    >>> describe_recurrence_fr(Recurrence(RecurrenceKind.WEEKLY, weekday=1, part_of_day="matin"))
    'chaque mardi matin'
    """
    day = WEEKDAYS_FR[rec.weekday] if rec.weekday is not None else None
    part = f" {rec.part_of_day}" if rec.part_of_day else ""
    if rec.kind == RecurrenceKind.LAST_DAY_OF_MONTH:
        text = "dernier jour du mois"
    elif rec.kind == RecurrenceKind.NTH_WEEKDAY and day and rec.nth is not None:
        nth = "dernier" if rec.nth == -1 else "1er" if rec.nth == 1 else f"{rec.nth}e"
        text = f"{nth} {day}{part} du mois"
    elif rec.kind == RecurrenceKind.FORTNIGHTLY and day:
        text = f"un {day}{part} sur deux"
    elif rec.kind == RecurrenceKind.WEEKLY and day:
        text = f"chaque {day}{part}"
    else:
        text = "jour non précisé" + (f",{part}" if part else "")
    if rec.start is not None and rec.end is not None:
        text += f", {_hhmm(rec.start)}–{_hhmm(rec.end)}"
    return text
