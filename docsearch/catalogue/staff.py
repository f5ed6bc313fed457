"""What staff say of a document, in one record whatever it came from.

``StaffMetadata`` is what the ``docsearch add`` options, the staff forms,
the drafts and the sidecar files (``<file>.meta.toml``) carry, under the
field names of ``Metadata``. The French keys of the sidecar format
(``titre``, ``secteurs``, ``annee`` or ``année``…) exist only here, in
``read_sidecar`` and ``sidecar_values``; the names of the form fields only in
``web/metadata_form``. Values are as staff gave them: sectors and types are
checked against the vocabulary when the metadata is resolved.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from docsearch.catalogue.records import Metadata

# Fields staff may leave empty on purpose ("" in the sidecar): no guess fills them then.
CLEARABLE = frozenset({"year", "summary", "organisation", "territory", "authors", "keywords"})
# The sidecar key each field is written under, in the order of the file.
SIDECAR_KEYS = {
    "title": "titre", "sectors": "secteurs", "year": "annee", "doctype": "type", "summary": "resume",
    "organisation": "organisation", "territory": "territoire", "url": "url",
    "language": "langue", "authors": "auteurs", "keywords": "mots-cles", "cote": "cote", "fetched": "collecte",
}
# Every key a sidecar may use (documentalists write accents, or English).
_READ_KEYS = {
    "titre": "title", "title": "title",
    "secteurs": "sectors", "secteur": "sectors", "sectors": "sectors",
    "annee": "year", "année": "year", "year": "year",
    "type": "doctype",
    "resume": "summary", "résumé": "summary", "summary": "summary",
    "organisation": "organisation", "organization": "organisation",
    "territoire": "territory", "territory": "territory",
    "url": "url",
    "langue": "language", "language": "language",
    "auteurs": "authors", "auteur": "authors", "authors": "authors", "author": "authors",
    "mots-cles": "keywords", "mots_cles": "keywords", "motscles": "keywords", "mots-cle": "keywords",
    "keywords": "keywords", "cote": "cote", "call_number": "cote",
    "collecte": "fetched", "fetched": "fetched",
}
# TOML bare keys are ASCII: accept "année = 2010" as documentalists write it.
_ACCENTED_KEYS = re.compile(r"^(\s*)(année|résumé|mots-clés|mots_clés)(?=\s*=)", re.MULTILINE)
_UNACCENTED = {"année": "annee", "résumé": "resume", "mots-clés": "mots-cles", "mots_clés": "mots-cles"}
_EMPTY = (None, "", ())


@dataclass(frozen=True)
class StaffMetadata:
    """Staff's values; an empty one is "not said", unless its field is in
    ``cleared``: staff emptied it on purpose."""

    title: str = ""
    sectors: tuple[str, ...] = ()
    year: int | None = None
    doctype: str = ""
    summary: str = ""
    organisation: str = ""
    territory: str = ""
    url: str = ""
    # The document's language as staff wrote it ("eng", "anglais", "fr, en"):
    # what its scanned pages are recognised in (see ``extraction.ocr.tesseract_language``).
    # Its first language is also the record's (``catalogue.language.iso_language``).
    language: str = ""
    authors: tuple[str, ...] = ()  # as staff wrote them: "BOUVIER, Maelle"
    keywords: tuple[str, ...] = ()  # free, or terms of the thesaurus
    cote: str = ""  # the call number: only staff give one
    # When a web page or document was fetched (ISO 8601, UTC): the crawler and "add URL" write it.
    fetched: str = ""
    cleared: frozenset[str] = frozenset()

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in SIDECAR_KEYS) and not self.cleared

    def clearing_empty(self) -> StaffMetadata:
        """The same values, every empty clearable field marked cleared: what a
        form that shows every field means when one is left empty."""
        return replace(self, cleared=frozenset(name for name in CLEARABLE if getattr(self, name) in _EMPTY))

    @classmethod
    def from_metadata(cls, meta: Metadata) -> StaffMetadata:
        """A resolved document's values, as a form shows them for correction."""
        return cls(meta.title, tuple(meta.sectors), meta.year, meta.doctype, meta.summary, meta.organisation,
                   meta.territory, meta.url, authors=tuple(meta.authors), keywords=tuple(meta.keywords),
                   cote=meta.cote)


def sidecar_values(staff: StaffMetadata) -> dict[str, object]:
    """The sidecar's content under its French keys: the values given, and
    "" for each cleared field (staff saying "none", which wins over guesses)."""
    values: dict[str, object] = {}
    for name, key in SIDECAR_KEYS.items():
        value = getattr(staff, name)
        if name in staff.cleared and value in _EMPTY:
            values[key] = ""
        elif value not in _EMPTY:
            values[key] = list(value) if isinstance(value, tuple) else value
    return values


def read_sidecar(path: Path) -> tuple[StaffMetadata, list[str]]:
    """A sidecar's values, and warnings (unreadable file, unknown key, a year
    that is not one). A missing sidecar is no value and no warning."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(_ACCENTED_KEYS.sub(lambda m: m.group(1) + _UNACCENTED[m.group(2)], text))
    except FileNotFoundError:
        return StaffMetadata(), []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return StaffMetadata(), [f"staff metadata {path.name} unreadable, ignored ({exc})"]
    warnings = [f"unknown key {key!r} in {path.name}" for key in raw if key.lower() not in _READ_KEYS]
    given = {name: value for key, value in raw.items() if (name := _READ_KEYS.get(key.lower()))}
    cleared = frozenset(name for name in CLEARABLE if given.get(name) == "")
    return StaffMetadata(
        title=_text(given.get("title")),
        sectors=_sectors(given.get("sectors")),
        year=_year(given.get("year"), warnings),
        doctype=_text(given.get("doctype")),
        summary=_text(given.get("summary")),
        organisation=_text(given.get("organisation")),
        territory=_text(given.get("territory")),
        url=_text(given.get("url")),
        language=_language(given.get("language")),
        authors=_items(given.get("authors"), r"[;\n]"),
        keywords=_items(given.get("keywords"), r"[,;\n]"),
        cote=_text(given.get("cote")).strip(),
        fetched=_text(given.get("fetched")),
        cleared=cleared,
    ), warnings


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _language(value: object) -> str:
    """"eng", "anglais" or a list of them, as one comma-separated text."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return _text(value).strip()


def _items(value: object, separators: str) -> tuple[str, ...]:
    """A list, or one string of items between ``separators`` (authors keep
    their commas: "BOUVIER, Maelle"), without empty ones."""
    if not value:
        return ()
    items = value if isinstance(value, list) else re.split(separators, str(value))
    return tuple(text for item in items if (text := " ".join(str(item).split())))


def _sectors(value: object) -> tuple[str, ...]:
    """A list, or one string of sectors separated by commas or semicolons."""
    if not value:
        return ()
    items = value if isinstance(value, list) else re.split(r"[,;]", str(value))
    return tuple(str(item) for item in items)


def _year(value: object, warnings: list[str]) -> int | None:
    """2010, "2010" or "2010-03" is 2010; anything else is a warning. (Whether
    it is a plausible year is checked when the metadata is resolved.)"""
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip()[:4])
    except ValueError:
        warnings.append(f"année {value!r} invalide : ignorée")
        return None
