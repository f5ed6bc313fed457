"""The search report's period, its filters in French, and its CSV.

``/gestion/recherches?periode=7|30|90`` (days up to today) or
``periode=dates&du=AAAA-MM-JJ&au=AAAA-MM-JJ``; ``/gestion/recherches.csv``
takes the same parameters. A date that is not one gives a French message
and the default period.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.index.backend import FACETS, UNKNOWN_YEAR
from docsearch.staff.searchlog import KEEP_DAYS, QueryCount, SearchReport
from docsearch.web.urls import Query

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
_CHIPS = {f.param: f.chip for f in FACETS}


@dataclass(frozen=True)
class Period:
    choice: str  # "7", "30", "90" or "dates"
    start: dt.date
    end: dt.date
    error: str = ""  # French, when the dates asked for could not be read

    def params(self) -> list[tuple[str, str]]:
        if self.choice == "dates":
            return [("periode", "dates"), ("du", self.start.isoformat()), ("au", self.end.isoformat())]
        return [("periode", self.choice)]


def read_period(params: QueryParams, today: dt.date) -> Period:
    choice = params.get("periode", str(DEFAULT_PERIOD))
    if choice != "dates":
        days = int(choice) if choice in {str(p) for p in PERIODS} else DEFAULT_PERIOD
        return Period(str(days), today - dt.timedelta(days=days - 1), today)
    try:
        start = dt.date.fromisoformat(params.get("du", "").strip())
        end = dt.date.fromisoformat(params.get("au", "").strip() or today.isoformat())
    except ValueError:
        return Period(str(DEFAULT_PERIOD), today - dt.timedelta(days=DEFAULT_PERIOD - 1), today,
                      "Dates non comprises : écrivez-les AAAA-MM-JJ (par exemple 2026-01-31). "
                      f"Voici les {DEFAULT_PERIOD} derniers jours.")
    if start > end:
        start, end = end, start
    oldest = today - dt.timedelta(days=KEEP_DAYS - 1)
    if end < oldest:
        return Period(str(DEFAULT_PERIOD), today - dt.timedelta(days=DEFAULT_PERIOD - 1), today,
                      f"Les recherches ne sont gardées que {KEEP_DAYS} jours (depuis le {oldest.strftime('%d/%m/%Y')}). "
                      f"Voici les {DEFAULT_PERIOD} derniers jours.")
    return Period("dates", max(start, oldest), min(end, today))


def describe_filters(filters: tuple[tuple[str, str], ...], vocab: Vocabulary) -> str:
    """"Secteur : Habitat ; Année : de 2005 à 2010", as the results page's chips say them."""
    parts = []
    for name, value in filters:
        if name == "secteur":
            parts.append(f"{_CHIPS[name]} : {vocab.sector_label(vocab.sector_code(value) or value)}")
        elif name == "type":
            parts.append(f"{_CHIPS[name]} : {vocab.doctype_label(vocab.doctype_code(value) or value)}")
        elif name == "annee":
            parts.append(f"{_CHIPS[name]} : {'inconnue' if value == UNKNOWN_YEAR else value}")
        elif name == "de":
            parts.append(f"Années depuis {value}")
        elif name == "a":
            parts.append(f"Années jusqu'à {value}")
    return " ; ".join(parts)


def search_params(entry: QueryCount) -> Query:
    """The results page of a logged search: its query and its filters."""
    return [("q", entry.query), *entry.filters]


def report_csv(report: SearchReport, vocab: Vocabulary) -> str:
    """Every search of the period (BOM, ``;``: as the catalogue's export, for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["recherche", "filtres", "fois", "resultats"])
    for entry in report.every:
        query = "'" + entry.query if entry.query.startswith(("=", "+", "-", "@")) else entry.query
        writer.writerow([query, describe_filters(entry.filters, vocab), entry.count, entry.results])
    return "\ufeff" + out.getvalue()
