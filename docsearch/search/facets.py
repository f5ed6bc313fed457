"""Facet counting over sets of document numbers.

``FacetSets`` reads, once per index generation, which documents carry each
sector, type and year; counting a facet is then a set intersection per
value, exact over all matches whatever the page shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whoosh import query as Q
from whoosh.searching import Searcher

from docsearch.index.store import UNKNOWN_YEAR
from docsearch.catalogue.vocabulary import Vocabulary

if TYPE_CHECKING:
    from docsearch.search.service import SearchRequest

# ``SearchRequest.year`` for "documents whose year is unknown".
UNKNOWN_YEAR_FILTER = 0
# Facet name in results → field of the index.
FACET_FIELDS = {"sectors": "sectors", "types": "doctype", "years": "year_key"}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


class FacetSets:
    def __init__(self, searcher: Searcher) -> None:
        self.all_docs = set(searcher.docs_for_query(Q.Term("kind", "doc")))
        self.values: dict[str, dict[str, set[int]]] = {}
        reader = searcher.reader()
        for facet, fieldname in FACET_FIELDS.items():
            terms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(fieldname)]
            self.values[facet] = {t: set(searcher.docs_for_query(Q.Term(fieldname, t))) & self.all_docs for t in terms}

    def restrict(self, docnums: Iterable[int]) -> set[int]:
        """Matching document records only (page records carry no facets)."""
        return self.all_docs.intersection(docnums)

    def select(self, facet: str, values: tuple[str, ...]) -> set[int] | None:
        """Documents having any of ``values``; None when nothing is selected."""
        if not values:
            return None
        sets = self.values[facet]
        return set().union(*(sets.get(v, set()) for v in values))

    def select_years(self, year: int | None, start: int | None, end: int | None) -> set[int] | None:
        if year is None and start is None and end is None:
            return None
        if year == UNKNOWN_YEAR_FILTER:
            return set(self.values["years"].get(UNKNOWN_YEAR, set()))
        low = year if year is not None else (start if start is not None else 0)
        high = year if year is not None else (end if end is not None else 9999)
        years = [k for k in self.values["years"] if k.isdigit() and low <= int(k) <= high]
        return self.select("years", tuple(years)) or set()


def facet_values(facets: FacetSets, matched: set[int], selection: dict[str, set[int] | None],
                 request: "SearchRequest", vocab: Vocabulary) -> dict[str, list[FacetValue]]:
    """Counts per value; each facet ignores its own selection (OR within a facet)."""
    year = request.year
    chosen = {"sectors": set(request.sectors), "types": set(request.types),
              "years": set() if year is None else {UNKNOWN_YEAR if year == UNKNOWN_YEAR_FILTER else str(year)}}
    labels = {"sectors": vocab.sector_label, "types": vocab.doctype_label, "years": _year_label}
    out: dict[str, list[FacetValue]] = {}
    for facet, sets in facets.values.items():
        others = [s for name, s in selection.items() if name != facet and s is not None]
        base = matched.intersection(*others) if others else matched
        values = [
            FacetValue(value, labels[facet](value), len(base & docs), value in chosen[facet])
            for value, docs in sets.items()
        ]
        out[facet] = _ordered(facet, [v for v in values if v.count or v.selected])
    return out


def _year_label(value: str) -> str:
    return "Année inconnue" if value == UNKNOWN_YEAR else value


def _ordered(facet: str, values: list[FacetValue]) -> list[FacetValue]:
    if facet == "years":
        return sorted(values, key=lambda v: (v.value == UNKNOWN_YEAR, -int(v.value) if v.value.isdigit() else 0))
    return sorted(values, key=lambda v: (-v.count, v.label))


def as_plain(values: dict[str, list[FacetValue]]) -> dict[str, list[dict[str, Any]]]:
    return {k: [v.__dict__ for v in vs] for k, vs in values.items()}
