"""The keyword thesaurus: preferred terms and the spellings that mean them.

``load_thesaurus(path)`` reads ``docsearch/data/thesaurus.toml`` (or staff's
own copy); ``Thesaurus.preferred`` maps any spelling of a term (the term, a
synonym; case, accents, hyphens and a final plural "s" ignored) to the
preferred term; ``Thesaurus.keywords`` turns a list of keywords into
preferred terms, keeping or dropping the ones it does not know.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from docsearch.errors import UserError
from docsearch.text import clean_line, fold_key

MAX_KEYWORDS = 20  # per document: a file listing 200 "keywords" is spam, not cataloguing
MAX_KEYWORD_CHARS = 80


@dataclass(frozen=True)
class Term:
    term: str
    synonyms: tuple[str, ...] = ()


@dataclass
class Thesaurus:
    terms: tuple[Term, ...] = ()
    digest: str = ""  # changes with the file: documents are catalogued again
    _keys: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._keys = {}
        for entry in self.terms:
            for spelling in (entry.term, *entry.synonyms):
                self._keys.setdefault(_key(spelling), entry.term)

    def preferred(self, keyword: str) -> str | None:
        """The preferred term ``keyword`` stands for, None if the thesaurus does not know it."""
        return self._keys.get(_key(keyword))

    def keywords(self, items: Iterable[str], keep_unknown: bool) -> list[str]:
        """``items`` as preferred terms, each once, in their order; a keyword the
        thesaurus does not know is kept as written (``keep_unknown``: staff's
        free keywords) or left out (embedded ones)."""
        found: dict[str, None] = {}
        for item in items:
            text = clean_line(item).strip(" .;,")[:MAX_KEYWORD_CHARS]
            if not text or not any(c.isalpha() for c in text):
                continue
            term = self.preferred(text) or (text if keep_unknown else None)
            if term is not None and _key(term) not in {_key(k) for k in found}:
                found[term] = None
        return list(found)[:MAX_KEYWORDS]


def split_keywords(value: str) -> list[str]:
    """"insertion; ESS, emploi" → its keywords (commas, semicolons or new lines between them)."""
    return [part for part in (p.strip() for p in re.split(r"[,;\n|]", value or "")) if part]


def load_thesaurus(path: Path) -> Thesaurus:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read the thesaurus file {path}: {exc}") from None
    terms: list[Term] = []
    for item in data.get("term", []):
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not item["term"].strip():
            raise UserError(f"{path}: every [[term]] needs a term = \"…\"")
        synonyms = item.get("synonyms", [])
        if not isinstance(synonyms, list):
            raise UserError(f"{path}: the synonyms of {item['term']!r} must be a list of strings")
        terms.append(Term(clean_line(item["term"]), tuple(clean_line(str(s)) for s in synonyms)))
    return Thesaurus(tuple(terms), hashlib.sha256(raw).hexdigest()[:16])


def _key(text: str) -> str:
    """Loose comparison key: folded, hyphens and apostrophes as spaces, a final plural dropped per word."""
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in fold_key(text).split())
