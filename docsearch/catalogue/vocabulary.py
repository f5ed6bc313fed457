"""The controlled vocabulary: sectors, document types and known organisations.

``load_vocabulary(path)`` reads the TOML data file; ``Vocabulary.sector_code``
and ``Vocabulary.doctype_code`` map any spelling (code, label, synonym) to a
code; ``Vocabulary.infer_sectors`` scans text for the sectors' keywords.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from docsearch.errors import UserError
from docsearch.text import fold_key, strip_accents

UNCLASSIFIED = "non-classe"
OTHER_TYPE = "autre"
WEB_TYPE = "page-web"


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
    organisations: tuple[Organisation, ...] = ()
    _sector_keys: dict[str, str] = field(init=False, repr=False)
    _doctype_keys: dict[str, str] = field(init=False, repr=False)
    _keyword_patterns: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = field(
        init=False, repr=False
    )

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

    def infer_sectors(self, text: str, strong_text: str = "", limit: int = 3) -> list[str]:
        """Sectors whose keywords occur often enough in ``text``.

        ``strong_text`` (a title, embedded keywords) counts five times as much.
        A sector needs three weighted occurrences and half the best score.
        """
        scores = Counter[str]()
        for code, pattern_pair in self._keyword_patterns.items():
            scores[code] = _count(pattern_pair, text) + 5 * _count(pattern_pair, strong_text)
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


def _keyword_patterns(keywords: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Acronyms (all capitals) match case-sensitively, other keywords loosely."""
    acronyms = [k for k in keywords if k.isupper()]
    words = [k for k in keywords if not k.isupper()]
    return _alternation(acronyms, re.NOFLAG), _alternation([fold_key(w) for w in words], re.NOFLAG)


def _alternation(words: list[str], flags: re.RegexFlag) -> re.Pattern[str] | None:
    if not words:
        return None
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)


def _count(patterns: tuple[re.Pattern[str] | None, re.Pattern[str] | None], text: str) -> int:
    if not text:
        return 0
    acronyms, words = patterns
    total = 0
    if acronyms:
        total += len(acronyms.findall(strip_accents(text)))
    if words:
        total += len(words.findall(fold_key(text)))
    return total


def load_vocabulary(path: Path) -> Vocabulary:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read the vocabulary file {path}: {exc}") from None
    return Vocabulary(
        sectors=_entries(data.get("sector", []), path),
        doctypes=_entries(data.get("doctype", []), path),
        digest=hashlib.sha256(raw).hexdigest()[:16],
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
