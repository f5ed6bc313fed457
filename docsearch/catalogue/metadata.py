"""Resolve a document's metadata: staff › embedded › path › text.

``resolve_metadata`` takes, for each field, the first origin that has a
value and records that origin. Sectors and document types always end as
codes of the controlled vocabulary; an unknown value becomes "non-classe"
and is reported in the warnings, never dropped silently. Titles and years
try what the document says of itself first (``titles``, ``years``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from docsearch.catalogue.records import Metadata
from docsearch.catalogue.staff import StaffMetadata
from docsearch.catalogue.titles import title_candidates
from docsearch.catalogue.vocabulary import OTHER_TYPE, UNCLASSIFIED, WEB_TYPE, Vocabulary
from docsearch.catalogue.years import year_candidates
from docsearch.extraction import Extracted
from docsearch.text import clean_line, fold_key

# Phrases that name a document's type wherever they stand on its first page…
_STRONG_TYPES = (
    ("rapport-activite", re.compile(r"rapport\s+(?:d['’]\s*)?activit|rapport\s+annuel|bilan\s+d['’]\s*activit", re.I)),
    ("fiche-secteur", re.compile(r"fiches?\s+secteur", re.I)),
)
# …and words that only do in the title or the first lines.
_HEAD_TYPES = (
    ("etude", re.compile(r"\b(?:étude|etude|enquête|enquete|diagnostic|panorama|observatoire)\b", re.I)),
    ("brochure", re.compile(r"\b(?:plaquette|brochure|dépliant|depliant)\b", re.I)),
)
HEAD_CHARS = 300
# A short PDF that says nothing of its type is most likely a brochure.
BROCHURE_MAX_PAGES = 4


def resolve_metadata(relpath: str, extracted: Extracted, staff: StaffMetadata, vocab: Vocabulary,
                     staff_warnings: list[str] | None = None) -> Metadata:
    warnings = list(staff_warnings or [])
    embedded = extracted.meta
    path = _PathHints.read(relpath, vocab)
    first_page = extracted.pages[0] if extracted.pages else ""
    origins: dict[str, str] = {}

    def pick(name: str, *candidates: tuple[str, Callable[[], Any]]) -> Any:
        if name in staff.cleared:
            origins[name] = "staff"  # staff emptied it: no guess comes back
            return None
        for origin, candidate in candidates:
            value = candidate()
            if value not in (None, "", []):
                origins[name] = origin
                return value
        origins[name] = "default"
        return None

    title = pick(
        "title",
        ("staff", lambda: clean_line(staff.title)),
        *title_candidates(relpath, extracted),
    ) or _title_from_name(relpath)
    sectors = pick(
        "sectors",
        ("staff", lambda: _staff_sectors(staff.sectors, vocab, warnings)),
        ("embedded", lambda: _embedded_sectors(embedded, vocab)),
        ("path", lambda: path.sectors),
        ("text", lambda: vocab.infer_sectors(" ".join(extracted.pages)[:300_000], strong_text=title)),
    ) or [UNCLASSIFIED]
    year = pick(
        "year",
        ("staff", lambda: _staff_year(staff.year, warnings)),
        *year_candidates(relpath, extracted, title, path.year, origins["title"]),
    )
    doctype = pick(
        "doctype",
        ("staff", lambda: _staff_doctype(staff.doctype, vocab, warnings)),
        ("path", lambda: path.doctype),
        ("format", lambda: WEB_TYPE if extracted.format == "html" else None),
        ("text", lambda: _doctype_from_text(title, first_page, extracted)),
    ) or OTHER_TYPE
    summary = pick(
        "summary",
        ("staff", lambda: clean_line(staff.summary)),
        ("embedded", lambda: embedded.get("subject", "")),
        ("text", lambda: _summary_from_text(first_page, title)),
    ) or ""
    organisation = pick(
        "organisation",
        ("staff", lambda: clean_line(staff.organisation)),
        ("embedded", lambda: embedded.get("author", "")),
    ) or ""
    territory = pick("territory", ("staff", lambda: clean_line(staff.territory))) or ""
    url = pick(
        "url",
        ("staff", lambda: _web_address(staff.url, warnings)),
        ("embedded", lambda: embedded.get("url", "") if extracted.format == "html" else ""),
    ) or ""
    return Metadata(title, sectors, year, doctype, summary, organisation, territory, url, origins, warnings)


class _PathHints:
    """What the folder names and the file name say: ``secteur/année/type-….pdf``."""

    def __init__(self, sectors: list[str], year: int | None, doctype: str | None) -> None:
        self.sectors, self.year, self.doctype = sectors, year, doctype

    @classmethod
    def read(cls, relpath: str, vocab: Vocabulary) -> _PathHints:
        parts = PurePosixPath(relpath).parts
        folders, stem = parts[:-1], PurePosixPath(relpath).stem
        sectors = _unique(code for part in folders if (code := vocab.sector_code(part)))
        years = [int(p) for p in folders if p.isdigit() and _plausible_year(int(p))]
        doctypes = [code for part in folders if (code := vocab.doctype_code(part))]
        year = years[-1] if years else None  # the file name's date is one of years.year_candidates
        doctype = doctypes[-1] if doctypes else _doctype_from_name(stem, vocab)
        return cls(sectors, year, doctype)


def _doctype_from_name(stem: str, vocab: Vocabulary) -> str | None:
    """A type word in the file name: "rapport-activite-2008", "copie-de-plaquette"…"""
    words = fold_key(stem).split()
    for length in (3, 2, 1):
        for start in range(len(words) - length + 1):
            code = vocab.doctype_code(" ".join(words[start:start + length]))
            if code and code not in (WEB_TYPE, OTHER_TYPE):
                return code
    return None


def _staff_sectors(items: tuple[str, ...], vocab: Vocabulary, warnings: list[str]) -> list[str]:
    codes: list[str] = []
    for item in (clean_line(i) for i in items):
        if not item:
            continue
        code = vocab.sector_code(item)
        if code is None:
            warnings.append(f"sector {item!r} is not in the vocabulary: filed as {UNCLASSIFIED}")
            code = UNCLASSIFIED
        codes.append(code)
    return _unique(codes)


def _embedded_sectors(embedded: dict[str, str], vocab: Vocabulary) -> list[str]:
    labels = " ; ".join(embedded.get(k, "") for k in ("keywords", "subject"))
    codes = _unique(c for item in re.split(r"[,;]", labels) if (c := vocab.sector_code(item.strip())))
    if codes:
        return [c for c in codes if c != UNCLASSIFIED] or codes
    return vocab.infer_sectors("", strong_text=" ; ".join([labels, embedded.get("title", "")]))


def _web_address(value: str, warnings: list[str]) -> str:
    url = clean_line(value)
    if url and not url.lower().startswith(("http://", "https://")):
        warnings.append(f"url {url[:80]!r} is not an http(s) address: ignored")
        return ""
    return url


def _staff_year(year: int | None, warnings: list[str]) -> int | None:
    if year is not None and not _plausible_year(year):
        warnings.append(f"year {year!r} is not a valid year: ignored")
        return None
    return year


def _staff_doctype(value: str, vocab: Vocabulary, warnings: list[str]) -> str | None:
    if not value:
        return None
    code = vocab.doctype_code(value)
    if code is None:
        warnings.append(f"document type {value!r} is not in the vocabulary: filed as {OTHER_TYPE}")
        return OTHER_TYPE
    return code


def _plausible_year(year: int) -> bool:
    return 1900 <= year <= dt.date.today().year + 1


def _doctype_from_text(title: str, first_page: str, extracted: Extracted) -> str | None:
    for code, pattern in _STRONG_TYPES:
        if pattern.search(title) or pattern.search(first_page[:1500]):
            return code
    head = f"{title}\n{first_page[:HEAD_CHARS]}"
    for code, pattern in _HEAD_TYPES:
        if pattern.search(head):
            return code
    if extracted.format == "pdf" and len(extracted.pages) <= BROCHURE_MAX_PAGES:
        return "brochure"
    return None


def _title_from_name(relpath: str) -> str:
    stem = re.sub(r"[-_]+", " ", PurePosixPath(relpath).stem).strip()
    return stem[:1].upper() + stem[1:] if stem else relpath


def _summary_from_text(first_page: str, title: str, limit: int = 300) -> str:
    text = " ".join(first_page.split())
    if title and text.lower().startswith(title.lower()):
        text = text[len(title):].lstrip(" .:-—")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _unique(items: Any) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
