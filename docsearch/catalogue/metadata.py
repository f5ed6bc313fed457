"""Resolve a document's metadata: staff › embedded › path › learned › text.

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

from docsearch.catalogue.doctypes import infer_doctype
from docsearch.catalogue.language import detect_language, iso_language
from docsearch.catalogue.learned import LearnedModel
from docsearch.catalogue.organisations import embedded_organisation, organisation_from_text
from docsearch.catalogue.people import person_names
from docsearch.catalogue.records import Metadata
from docsearch.catalogue.staff import StaffMetadata
from docsearch.catalogue.summaries import summary_from_text
from docsearch.catalogue.thesaurus import split_keywords
from docsearch.catalogue.titles import title_candidates
from docsearch.catalogue.vocabulary import OTHER_TYPE, UNCLASSIFIED, Vocabulary
from docsearch.catalogue.years import year_candidates
from docsearch.extraction import Extracted
from docsearch.text import clean_line


def resolve_metadata(relpath: str, extracted: Extracted, staff: StaffMetadata, vocab: Vocabulary,
                     staff_warnings: list[str] | None = None, learned: LearnedModel | None = None) -> Metadata:
    warnings = list(staff_warnings or [])
    embedded = extracted.meta
    path = _PathHints.read(relpath, vocab)
    origins: dict[str, str] = {}
    confidence: dict[str, float] = {}

    def guessed(name: str) -> list[str]:
        """The classifier of staff-confirmed records' guess, its confidence kept."""
        if learned is None:
            return []
        text = "\n".join(extracted.pages)
        if name == "sectors":
            prediction = learned.predict_sectors(title, text, vocab.sectors)
        else:
            prediction = learned.predict_doctype(title, text, vocab.doctypes)
        if prediction is None:
            return []
        confidence[name] = round(prediction.confidence, 2)
        return list(prediction.codes)

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
        # Before the keyword rules: on the sample corpus's folds, 95.1 % of sectors right vs 92.7 % (bench/learned.py).
        ("learned", lambda: guessed("sectors")),
        ("text", lambda: vocab.infer_sectors(" ".join(extracted.pages)[:300_000], strong_text=title)),
    ) or [UNCLASSIFIED]
    year = pick(
        "year",
        ("staff", lambda: _staff_year(staff.year, warnings)),
        *year_candidates(relpath, extracted, title, path.year, origins["title"]),
    )
    inferred = infer_doctype(relpath, title, extracted, vocab) or (None, "text")
    doctype = pick(
        "doctype",
        ("staff", lambda: _staff_doctype(staff.doctype, vocab, warnings)),
        ("path", lambda: path.doctype),  # a folder named like a type: the centre's own filing
        (inferred[1], lambda: inferred[0]),  # title words, file name, page shape… (doctypes.py)
        # After the rules: they read the format and the headings, which a classifier trained on a
        # few dozen records gets wrong more often (types: rules 100 % on realworld-fr, learned 50 %).
        ("learned", lambda: next(iter(guessed("doctype")), None)),
    ) or OTHER_TYPE
    summary = pick(
        "summary",
        ("staff", lambda: clean_line(staff.summary)),
        ("embedded", lambda: embedded.get("subject", "")),
        ("text", lambda: summary_from_text(extracted.pages, title)),  # no contact lines (summaries.py)
    ) or ""
    organisation = pick(
        "organisation",
        ("staff", lambda: clean_line(staff.organisation)),
        ("embedded", lambda: embedded_organisation(extracted, vocab)),  # never a login (organisations.py)
        ("text", lambda: organisation_from_text(extracted, vocab)),  # the letterhead
    ) or ""
    territory = pick("territory", ("staff", lambda: clean_line(staff.territory))) or ""
    url = pick(
        "url",
        ("staff", lambda: _web_address(staff.url, warnings)),
        ("embedded", lambda: embedded.get("url", "") if extracted.format == "html" else ""),
    ) or ""
    authors = pick(
        "authors",
        ("staff", lambda: _unique(clean_line(a) for a in staff.authors if clean_line(a))),
        ("embedded", lambda: person_names(embedded.get("author", ""))),
    ) or []
    keywords = pick(
        "keywords",
        ("staff", lambda: vocab.thesaurus.keywords(staff.keywords, keep_unknown=True)),
        ("embedded", lambda: vocab.thesaurus.keywords(split_keywords(embedded.get("keywords", "")), keep_unknown=False)),
    ) or []
    language = pick(
        "language",
        ("staff", lambda: iso_language(staff.language)),
        ("text", lambda: detect_language(extracted.pages)),
    ) or ""
    cote = pick("cote", ("staff", lambda: clean_line(staff.cote)[:60])) or ""
    return Metadata(title, sectors, year, doctype, summary, organisation, territory, url, origins, warnings,
                    authors=authors, keywords=keywords, language=language, cote=cote,
                    confidence={name: value for name, value in confidence.items() if origins.get(name) == "learned"})


class _PathHints:
    """What the folder names and the file name say: ``secteur/année/type-….pdf``."""

    def __init__(self, sectors: list[str], year: int | None, doctype: str | None) -> None:
        self.sectors, self.year, self.doctype = sectors, year, doctype

    @classmethod
    def read(cls, relpath: str, vocab: Vocabulary) -> _PathHints:
        parts = PurePosixPath(relpath).parts
        folders = parts[:-1]
        sectors = _unique(code for part in folders if (code := vocab.sector_code(part)))
        years = [int(p) for p in folders if p.isdigit() and _plausible_year(int(p))]
        doctypes = [code for part in folders if (code := vocab.doctype_code(part))]
        year = years[-1] if years else None  # the file name's date is one of years.year_candidates
        # The file name's words are one cue among others (doctypes.py): only folders decide here.
        doctype = doctypes[-1] if doctypes else None
        return cls(sectors, year, doctype)


def _staff_sectors(items: tuple[str, ...], vocab: Vocabulary, warnings: list[str]) -> list[str]:
    codes: list[str] = []
    for item in (clean_line(i) for i in items):
        if not item:
            continue
        code = vocab.sector_code(item)
        if code is None:
            warnings.append(f"secteur {item!r} absent du vocabulaire : classé en {UNCLASSIFIED}")
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
        warnings.append(f"adresse {url[:80]!r} qui n'est pas une adresse http(s) : ignorée")
        return ""
    return url


def _staff_year(year: int | None, warnings: list[str]) -> int | None:
    if year is not None and not _plausible_year(year):
        warnings.append(f"année {year!r} invalide : ignorée")
        return None
    return year


def _staff_doctype(value: str, vocab: Vocabulary, warnings: list[str]) -> str | None:
    if not value:
        return None
    code = vocab.doctype_code(value)
    if code is None:
        warnings.append(f"type de document {value!r} absent du vocabulaire : classé en {OTHER_TYPE}")
        return OTHER_TYPE
    return code


def _plausible_year(year: int) -> bool:
    return 1900 <= year <= dt.date.today().year + 1




def _title_from_name(relpath: str) -> str:
    stem = re.sub(r"[-_]+", " ", PurePosixPath(relpath).stem).strip()
    return stem[:1].upper() + stem[1:] if stem else relpath


def _unique(items: Any) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
