"""The controlled vocabulary: sectors, document types and known organisations.

``load_vocabulary(path)`` reads the TOML data file; ``Vocabulary.sector_code``
and ``Vocabulary.doctype_code`` map any spelling (code, label, synonym) to a
code; ``Vocabulary.infer_sectors`` scans text for the sectors' keywords.
``vocabulary_problems`` checks what staff wrote (French messages) and
``vocabulary_toml`` writes a vocabulary back as the data file's TOML; which
file is in use (the shipped one or the copy staff edited in the corpus) is
``catalogue.vocabulary_files``' business.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import tomli_w

from docsearch.catalogue.thesaurus import Thesaurus, load_thesaurus
from docsearch.errors import UserError
from docsearch.text import fold_key, strip_accents

UNCLASSIFIED = "non-classe"
OTHER_TYPE = "autre"
WEB_TYPE = "page-web"
# Codes the program itself gives (no sector found, no type found, a fetched
# page): staff may relabel them, never merge or retire them.
BUILT_IN = {"sector": frozenset({UNCLASSIFIED}), "doctype": frozenset({OTHER_TYPE, WEB_TYPE})}
CODE_SYNTAX = re.compile(r"[a-z0-9-]+")
# The two lists of a vocabulary: TOML table name → French name of one entry.
KINDS = {"sector": "secteur", "doctype": "type de document"}


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organisation:
    """A body the centre catalogues often: its name as shown, and other spellings
    (an acronym in capitals is matched as written)."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass
class Vocabulary:
    sectors: dict[str, Entry]
    doctypes: dict[str, Entry]
    digest: str  # changes when the data file changes: metadata must be resolved again
    thesaurus: Thesaurus = field(default_factory=Thesaurus)  # keywords (its digest is in ``digest``)
    organisations: tuple[Organisation, ...] = ()
    _sector_keys: dict[str, str] = field(init=False, repr=False)
    _doctype_keys: dict[str, str] = field(init=False, repr=False)
    _keyword_patterns: dict[str, _SectorKeywords] = field(init=False, repr=False)

    def sector_code(self, value: str) -> str | None:
        return _lookup(self._sector_keys, value)

    def doctype_code(self, value: str) -> str | None:
        return _lookup(self._doctype_keys, value)

    def sector_label(self, code: str) -> str:
        entry = self.sectors.get(code)
        return entry.label if entry else code

    def doctype_label(self, code: str) -> str:
        entry = self.doctypes.get(code)
        return entry.label if entry else code

    def entries(self, kind: str) -> dict[str, Entry]:
        """The sectors (``"sector"``) or the document types (``"doctype"``)."""
        return self.sectors if kind == "sector" else self.doctypes

    def code_of(self, kind: str, value: str) -> str | None:
        return self.sector_code(value) if kind == "sector" else self.doctype_code(value)

    def infer_sectors(self, text: str, strong_text: str = "", limit: int = 3) -> list[str]:
        """Sectors whose keywords occur often enough in ``text``.

        ``strong_text`` (a title, embedded keywords) counts five times as much.
        A sector needs three weighted occurrences and half the best score.
        """
        scores = Counter[str]()
        # Each text folded once, not once per sector, and counted from its words (_SectorKeywords):
        # realworld-fr, infer_sectors 172 → 10 ms per document (bench/guesses.py).
        texts, strong = _Folded(text), _Folded(strong_text)
        for code, keywords in self._keyword_patterns.items():
            scores[code] = keywords.count(texts) + 5 * keywords.count(strong)
        best = max(scores.values(), default=0)
        if best < 3:
            return []
        ranked = [code for code, score in scores.most_common() if score >= max(3, best / 2)]
        return ranked[:limit]

    def __post_init__(self) -> None:
        self._sector_keys = _keys(self.sectors)
        self._doctype_keys = _keys(self.doctypes)
        self._keyword_patterns = {
            code: _keyword_patterns(entry.keywords) for code, entry in self.sectors.items()
        }


def _keys(entries: dict[str, Entry]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for code, entry in entries.items():
        for spelling in (code, entry.label, *entry.synonyms):
            keys.setdefault(fold_key(spelling), code)
    return keys


def _lookup(keys: dict[str, str], value: str) -> str | None:
    return keys.get(fold_key(str(value)))


def _keyword_patterns(keywords: tuple[str, ...]) -> _SectorKeywords:
    """Acronyms (all capitals) match case-sensitively, other keywords loosely."""
    acronyms = tuple(sorted((k for k in keywords if k.isupper()), key=len, reverse=True))
    words = tuple(sorted((fold_key(k) for k in keywords if not k.isupper()), key=len, reverse=True))
    return _SectorKeywords(acronyms, words, _alternation(acronyms), _alternation(words))


@lru_cache(maxsize=4096)
def _alternation(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for ``words`` (longest first), each a whole word or words."""
    if not words:
        return None
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


class _Folded:
    """A text's keys for keyword patterns, each computed at most once: 16 sectors each
    folded the same 300,000 characters again."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._plain: str | None = None
        self._folded: str | None = None
        self._words: Counter[str] | None = None

    @property
    def plain(self) -> str:
        if self._plain is None:
            self._plain = strip_accents(self.text)
        return self._plain

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold_key(self.text)
        return self._folded

    @property
    def words(self) -> Counter[str]:
        """The folded text's words: ``fold_key`` leaves words of letters and digits between single spaces."""
        if self._words is None:
            self._words = Counter(self.folded.split(" "))
        return self._words


@dataclass(frozen=True)
class _SectorKeywords:
    """A sector's keywords and the patterns that count them in a text.

    Counted as ``pattern.findall`` counts them, but most keywords are absent from a given
    text and most present ones are one word: an alternative that cannot match anywhere
    changes no match of the others, so the pattern is run only over the keywords the text
    holds (every word of them among its words, an acronym as a substring of it), and not
    at all when those are single words, whose matches are then just their occurrences
    as words (realworld-fr, 300,000 characters: 32 scans of 3 to 4 ms each → a few
    lookups in the text's word counts)."""

    acronyms: tuple[str, ...]
    words: tuple[str, ...]  # folded
    acronym_pattern: re.Pattern[str] | None
    word_pattern: re.Pattern[str] | None

    def count(self, text: _Folded) -> int:
        if not text.text:
            return 0
        total = 0
        if self.acronym_pattern is not None:
            present = tuple(a for a in self.acronyms if a in text.plain)
            if present:
                total += len(_pattern(present, self.acronyms, self.acronym_pattern).findall(text.plain))
        if self.word_pattern is not None:
            if "" in self.words:  # a keyword of punctuation only: its empty alternative matches anywhere
                return total + len(self.word_pattern.findall(text.folded))
            counts = text.words
            present = tuple(w for w in self.words if all(part in counts for part in w.split(" ")))
            if present and not any(" " in w for w in present):
                total += sum(counts[w] for w in dict.fromkeys(present))
            elif present:
                total += len(_pattern(present, self.words, self.word_pattern).findall(text.folded))
        return total


def _pattern(present: tuple[str, ...], every: tuple[str, ...], pattern: re.Pattern[str]) -> re.Pattern[str]:
    return pattern if present == every else _alternation(present) or pattern


THESAURUS_FILE = Path(__file__).resolve().parent.parent / "data" / "thesaurus.toml"


def load_vocabulary(path: Path, thesaurus_file: Path | None = None) -> Vocabulary:
    """The vocabulary of ``path`` with the keyword thesaurus (``thesaurus_file``,
    by default the packaged one)."""
    thesaurus = load_thesaurus(thesaurus_file or THESAURUS_FILE)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the vocabulary file {path}: {exc}") from None
    return parse_vocabulary(raw, path, thesaurus)


def parse_vocabulary(raw: bytes, path: Path, thesaurus: Thesaurus | None = None) -> Vocabulary:
    """The vocabulary a data file's bytes hold (``path`` names it in errors)."""
    thesaurus = thesaurus or Thesaurus()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read the vocabulary file {path}: {exc}") from None
    return Vocabulary(
        sectors=_entries(data.get("sector", []), path),
        doctypes=_entries(data.get("doctype", []), path),
        digest=hashlib.sha256(raw + thesaurus.digest.encode()).hexdigest()[:16],
        thesaurus=thesaurus,
        organisations=_organisations(data.get("organisation", []), path),
    )


def _entries(items: list[dict[str, object]], path: Path) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for item in items:
        try:
            entry = Entry(
                code=str(item["code"]),
                label=str(item["label"]),
                synonyms=_strings(item.get("synonyms", [])),
                keywords=_strings(item.get("keywords", [])),
            )
        except (KeyError, TypeError) as exc:
            raise UserError(f"{path}: an entry lacks code or label ({exc})") from None
        entries[entry.code] = entry
    return entries


def _organisations(items: list[dict[str, object]], path: Path) -> tuple[Organisation, ...]:
    try:
        return tuple(Organisation(str(item["name"]), _strings(item.get("aliases", []))) for item in items)
    except (KeyError, TypeError) as exc:
        raise UserError(f"{path}: an organisation lacks a name ({exc})") from None


def _strings(value: object) -> tuple[str, ...]:
    """Each item of a TOML value as a string; a value that cannot be iterated
    raises the TypeError ``tuple()`` would raise (the entry is then refused)."""
    if not isinstance(value, Iterable):
        raise TypeError(f"'{type(value).__name__}' object is not iterable")
    return tuple(str(s) for s in value)


def vocabulary_problems(raw: bytes) -> list[str]:
    """What is wrong with a vocabulary file staff edited, in French (empty: nothing):
    unreadable TOML, a code given twice, a code outside ``[a-z0-9-]+``, an empty label."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [f"le fichier n'est pas du TOML lisible ({exc})"]
    problems: list[str] = []
    for kind, name in KINDS.items():
        items = data.get(kind, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            problems.append(f"« {kind} » doit être une liste d'entrées [[{kind}]]")
            continue
        seen: set[str] = set()
        for item in items:
            code, label = item.get("code"), item.get("label")
            if not isinstance(code, str) or not CODE_SYNTAX.fullmatch(code):
                problems.append(f"{name} : le code « {code} » n'est pas valable (lettres minuscules sans accent, "
                                "chiffres et tirets seulement)")
            elif code in seen:
                problems.append(f"{name} : le code « {code} » est donné deux fois")
            else:
                seen.add(code)
            if not isinstance(label, str) or not label.strip():
                problems.append(f"{name} « {code} » : le libellé est vide")
            for key in ("synonyms", "keywords"):
                value = item.get(key, [])
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    problems.append(f"{name} « {code} » : « {key} » doit être une liste de textes")
    return problems


def vocabulary_toml(vocab: Vocabulary) -> bytes:
    """The data file's TOML for ``vocab`` (what staff's edits are saved as)."""
    data: dict[str, list[dict[str, object]]] = {}
    for kind in KINDS:
        data[kind] = [{"code": e.code, "label": e.label, **({"synonyms": list(e.synonyms)} if e.synonyms else {}),
                       **({"keywords": list(e.keywords)} if e.keywords else {})} for e in vocab.entries(kind).values()]
    text = ("# Vocabulaire du fonds, modifié depuis /gestion/vocabulaires. Il remplace le\n"
            "# vocabulaire livré avec docsearch tant que ce fichier existe ; le supprimer\n"
            "# revient au vocabulaire livré.\n\n" + tomli_w.dumps(data))
    tomllib.loads(text)  # never write a file the reader would reject
    return text.encode("utf-8")
