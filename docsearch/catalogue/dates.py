"""Dates written in French documents: "5 novembre 2021", "Novembre 2020",
"05/01/2021", "29.11.21", "2020-11-16", and the years they give.

Shared by the year guess (``years``) and the title guess (``titles``: a line
that is only a date is never a title).
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "février": 2, "fevr": 2, "févr": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "août": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "décembre": 12, "dec": 12, "déc": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
YEAR = r"(?:19|20)\d\d"
# "5 novembre 2021", "1er octobre 2015", "Novembre 2020", "nov. 2021"
_NAMED = rf"(?:\d{{1,2}}(?:er)?\s+)?(?:{_MONTH})\.?\s+({YEAR})(?!\d)"
# "05/01/2021", "1/20/2022" (a browser's print header, month first); a two-digit
# year only after a cue (``SHORT_NUMERIC``): "1.4.11" is a criterion's number.
_NUMERIC = rf"(?<![\d/.])\d{{1,2}}[/.]\d{{1,2}}[/.]({YEAR})(?![\d/.])"
SHORT_NUMERIC = r"(?<![\d/.])[0-3]?\d[/.][01]?\d[/.](\d\d)(?![\d/.])"
# "2020-11-16", the ISO form of web pages and exports
_ISO = rf"(?<!\d)({YEAR})-[01]\d-[0-3]\d(?!\d)"
DATE = re.compile(rf"\b{_NAMED}|{_NUMERIC}|{_ISO}", re.I)
BARE_YEAR = re.compile(rf"(?<![\d.,/])({YEAR})(?![\d.,/]?\d)")
# Dates of cited texts never date the document: "loi du 11 février 2005",
# "décret n° 2020-293 du 23 mars 2020", "association loi 1901", "directive 2009/125/CE".
LEGAL_REFERENCE = re.compile(
    rf"\b(?:loi|lois|décret|decret|arrêté|arrete|ordonnance|circulaire|directive|règlement|reglement|code)"
    rf"(?:\s+(?:organique|n°|no|nº|du|\(\w+\))|\s+[\d/-]+(?:/\w+)?)*"
    rf"(?:\s+\d{{1,2}}(?:er)?)?(?:\s+(?:{_MONTH}))?\s+({YEAR})(?:[/-]\d+(?:/\w+)?)?",
    re.I,
)


def plausible(year: int) -> bool:
    return 1900 <= year <= dt.date.today().year + 1


def year_of(match: re.Match[str]) -> int | None:
    """The year of a ``DATE`` or ``BARE_YEAR`` match ("21" of "29.11.21" → 2021)."""
    text = next((g for g in match.groups() if g), "")
    if not text:
        return None
    year = int(text)
    if len(text) == 2:
        century = 2000 if year <= dt.date.today().year % 100 + 1 else 1900
        year += century
    return year if plausible(year) else None


def without_references(text: str) -> str:
    """The text with the dates of cited laws and decrees blanked."""
    return LEGAL_REFERENCE.sub(" ", text)


def first_date(text: str) -> int | None:
    for match in DATE.finditer(text):
        if (year := year_of(match)) is not None:
            return year
    return None


def is_date_line(line: str, filler: int = 4) -> bool:
    """A line that is a date and little else ("Mars 2024", "Paris, le 28 mars 2024"):
    at most ``filler`` letters besides the date and a few words that frame one."""
    match = DATE.search(line)
    if match is None:
        return False
    rest = re.sub(r"\b(?:le|du|au|date|paris|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b", " ",
                  (line[:match.start()] + line[match.end():]).lower())
    return sum(c.isalpha() for c in rest) <= filler
