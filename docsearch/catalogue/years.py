"""The year a document is filed under, from what it carries, most telling first.

1. ``text``: a date the document gives itself on its first page or in its
   title — the end of a mission ("Date de fin : 31 mars 2021"), the meeting
   date of minutes ("assemblée générale du 15 janvier 2022"), the year a
   report covers ("Bilan 2020-2021" → 2021, "Rapport d'activité 2019" even
   when published in 2020), "Date : 05/01/2021", "Publié le…", "Version du…";
   then a line that is a date ("Mars 2024", "Paris, le 28 mars 2024"); then a
   year standing on a short line of the head ("2023 Version 1").
2. ``path``: the year of the folder, else a date in the file name
   ("…-3-avril-2016", "…_nov2020", "…112020" = November 2020, "27032024_…").
3. ``text``: the first date of page 2 (the colophon: "Version : Novembre 2025"),
   then a programme's period on the first pages ("période 2017-2020" → 2017).
4. ``embedded``: a web page's publication date (its author's own); a PDF's
   creation date only when the text names that year too. The creation date is
   when someone exported the file: on ``../shared/realworld/fr``, 49 PDFs carry
   one, its year is the label's for 35 of them and 10 are undated documents;
   taken uncorroborated it drops the years from 98.6 % to 84.5 %
   (bench/metadata.py, 2026-12-01).

A year found by 1–3 that the file's own date confirms has the origin
``embedded``: staff see it as found in the file, not as a guess to check.

Dates of cited laws and decrees ("loi du 11 février 2005") never count, nor
dates in running prose ("créée en juin 2005", "depuis septembre 2020"): they
are events the document tells, not its date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TypeVar

from docsearch.catalogue.dates import (
    BARE_YEAR,
    DATE,
    MONTHS,
    SHORT_NUMERIC,
    YEAR,
    first_date,
    is_date_line,
    plausible,
    without_references,
    year_of,
)
from docsearch.extraction import Extracted

# Characters of a page read for its dates: the cover and the head of a web page.
HEAD = 6000
# A line of the head this short holding a bare year is a date line ("2023 Version 1").
SHORT_LINE = 40
# Letters a date line holds besides its date: "Dossier de presse – 1er octobre 2015" (15),
# not a table row "Ain 1ère circonscription M MALLET Laurent 15/06/1972 MOUVEMENT DÉMOCRATE" (46).
DATE_LINE_FILLER = 30
# Formats whose embedded date is a publication date (article:published_time, the
# book's dc:date), not the time a file was exported.
PUBLISHED_DATES = frozenset({"html", "epub"})
# Characters searched for a year that corroborates the PDF's creation date.
CORROBORATE = 30_000

_D = rf"(?:{DATE.pattern})"
_GAP = r"\s*[:：]?\s*"
# The cues, most telling first; each pattern's first date (or year) wins.
_END = re.compile(rf"date\s+de\s+fin{_GAP}{_D}", re.I)
_MEETING = re.compile(
    rf"\b(?:réunion|reunion|séance|seance|assemblée|assemblee|conseil|comité|comite|bureau)"
    rf"(?:\s+(?:générale|generale|ordinaire|extraordinaire|constitutive|d['’]administration|municipal|syndical)){{0,3}}"
    rf"\s+du\s+{_D}", re.I)
# The year a report covers, or the last of its range: "Bilan 2020-2021", "exercice 2016".
_COVERED = re.compile(
    rf"\b(?:rapport|bilan|exercice|comptes|activité|activite|édition|edition|saison|garanties|tarifs|calendrier|campagne)"
    rf"\D{{0,30}}?({YEAR})(?:\s*[-–/à]\s*({YEAR}))?(?!\d)", re.I)
# A field of a record: "Année : 2022".
_FIELD = re.compile(rf"\b(?:année|annee|millésime|millesime)\s*[:：]\s*({YEAR})(?!\d)", re.I)
# A period cited for the document's own programme: its first year ("période 2013-2016").
_PERIOD = re.compile(rf"\b(?:programme|période|periode|convention)\D{{0,30}}?({YEAR})(?!\d)", re.I)
_DATED = re.compile(
    rf"\b(?:date|publié|publiée|publie|publication|version|mise\s+à\s+jour|mis\s+à\s+jour|fait\s+à\s+\S+,?\s+le)"
    rf"(?:\s+(?:le|du|en))?{_GAP}(?:{_D}|{SHORT_NUMERIC})|\b[A-ZÉ][\w-]+,\s+le\s+{_D}", re.I)
# Pages searched for a programme's period, when nothing else dates the document.
PERIOD_PAGES = 5


def year_candidates(relpath: str, extracted: Extracted, title: str, folder_year: int | None,
                    title_origin: str = "text") -> list[tuple[str, Callable[[], int | None]]]:
    """(origin, guess) in the order ``resolve_metadata`` tries them. A year read
    in the title has the title's origin when it is the embedded one; a year the
    file's own date confirms is "embedded" (found, not deduced), wherever it
    was read."""
    pages = extracted.pages
    first = without_references(pages[0][:HEAD]) if pages else ""
    # Page 2 only when the guesses before it found nothing: blanking its references was a third
    # of the time of year_candidates on 2,000 generated PDFs (bench/guesses.py).
    second = _once(lambda: without_references(pages[1][:HEAD]) if len(pages) > 1 else "")
    guesses: list[tuple[str, Callable[[], int | None]]] = [
        ("embedded" if title_origin == "embedded" else "text", lambda: _cued(without_references(title))),
        ("text", lambda: _cued(first)),
        ("text", lambda: _date_line(first)),
        ("path", lambda: folder_year or year_in_name(PurePosixPath(relpath).stem)),
        ("text", lambda: _cued(second()) or first_date(second())),
        ("text", lambda: _first(_PERIOD, without_references("\n".join(pages[:PERIOD_PAGES])[:CORROBORATE]))),
    ]
    guesses = [(origin, _once(guess)) for origin, guess in guesses]

    def confirmed() -> int | None:
        year = next((y for _, guess in guesses if (y := guess()) is not None), None)
        return year if year is not None and year == _file_year(extracted) else None

    return [("embedded", confirmed), *guesses, ("embedded", lambda: _embedded(extracted))]


_T = TypeVar("_T")


def _once(guess: Callable[[], _T]) -> Callable[[], _T]:
    """``guess`` computed at most once (``confirmed`` and ``pick`` both ask)."""
    kept: list[_T] = []

    def remembered() -> _T:
        if not kept:
            kept.append(guess())
        return kept[0]
    return remembered


def _cued(text: str) -> int | None:
    for pattern in (_END, _MEETING, _FIELD):
        if (year := _first(pattern, text)) is not None:
            return year
    for match in _COVERED.finditer(text):
        years = [int(y) for y in match.groups() if y and plausible(int(y))]
        if years:
            return years[-1]  # a report is filed under the last year it covers
    for pattern in (_PERIOD, _DATED):
        if (year := _first(pattern, text)) is not None:
            return year
    return None


def _first(pattern: re.Pattern[str], text: str) -> int | None:
    for match in pattern.finditer(text):
        if (year := year_of(match)) is not None:
            return year
    return None


def _date_line(text: str) -> int | None:
    """The first line of the head that is a date, else a bare year on a short line."""
    lines = [line.strip() for line in text.split("\n")]
    for line in lines:
        if is_date_line(line, filler=DATE_LINE_FILLER) and len(line) <= 80 and (year := first_date(line)) is not None:
            return year
    for line in lines[:30]:
        if len(line) <= SHORT_LINE and (match := BARE_YEAR.search(line)) and (year := year_of(match)):
            return year
    return None


# File names: "03-04-2016", "2021-11-25", "27032024", "112020" (month and year), "nov2020", "avril-2021", "2017".
_NAME_DATES = (
    re.compile(rf"(?<!\d)[0-3]?\d[-_.][01]?\d[-_.]({YEAR})(?!\d)"),
    re.compile(rf"(?<!\d)({YEAR})[-_.]?[01]\d[-_.]?[0-3]\d(?!\d)"),
    re.compile(rf"(?<!\d)[0-3]\d[01]\d({YEAR})(?!\d)"),
    re.compile(rf"(?<!\d)[01]\d({YEAR})(?!\d)"),
    re.compile(rf"(?:{'|'.join(sorted(MONTHS, key=len, reverse=True))})[-_ .]?({YEAR})(?!\d)", re.I),
    re.compile(rf"(?<![\d.])({YEAR})(?![\d])"),
)


def year_in_name(stem: str) -> int | None:
    """The year a file name gives, its most explicit date first."""
    for pattern in _NAME_DATES:
        for match in pattern.finditer(stem):
            if (year := year_of(match)) is not None:
                return year
    return None


def _file_year(extracted: Extracted) -> int | None:
    match = re.match(rf"\s*({YEAR})", extracted.meta.get("date", ""))
    return int(match.group(1)) if match is not None and plausible(int(match.group(1))) else None


def _embedded(extracted: Extracted) -> int | None:
    if (year := _file_year(extracted)) is None:
        return None
    if extracted.format in PUBLISHED_DATES:
        return year  # a page's or a book's publication date is set by its author
    text = without_references("\n".join(extracted.pages)[:CORROBORATE])
    return year if re.search(rf"(?<!\d){year}(?!\d)", text) else None
