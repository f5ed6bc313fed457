"""Facet counting over sets of document numbers.

``FacetSets`` reads, once per index generation, which documents carry each
value of each facet (``backend.FACETS``); counting a facet is then a set
intersection per value, exact over all matches whatever the page shown.
Values of one facet combine with OR, facets with AND, and each facet's
counts ignore that facet's own selection.
"""

from __future__ import annotations

from collections.abc import Iterable

from whoosh import query as Q
from whoosh.searching import Searcher

from docsearch.index.backend import (
    FACETS,
    UNKNOWN_YEAR,
    UNKNOWN_YEAR_FILTER,
    FacetCount,
    SearchRequest,
)


class FacetSets:
    """Read-only once built: the threads searching one generation share it."""

    def __init__(self, searcher: Searcher) -> None:
        # A set (Whoosh takes no frozenset as a filter), never changed once made.
        self.all_docs = set(searcher.docs_for_query(Q.Term("kind", "doc")))
        self.values: dict[str, dict[str, frozenset[int]]] = {}
        reader = searcher.reader()
        for facet in FACETS:
            terms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(facet.field)]
            self.values[facet.key] = {t: frozenset(searcher.docs_for_query(Q.Term(facet.field, t))) & self.all_docs
                                      for t in terms}

    def restrict(self, docnums: Iterable[int]) -> set[int]:
        """Matching document records only (page records carry no facets)."""
        return self.all_docs.intersection(docnums)

    def selection(self, request: SearchRequest) -> dict[str, set[int] | None]:
        """For each facet, the documents its selected values allow (None: nothing selected)."""
        return {
            "sectors": self.select("sectors", request.sectors),
            "types": self.select("types", request.types),
            "years": self.select_years(request.year, request.year_from, request.year_to),
            "languages": self.select("languages", request.languages),
            "keywords": self.select("keywords", request.keywords),
        }

    def select(self, facet: str, values: tuple[str, ...]) -> set[int] | None:
        """Documents having any of ``values``; None when nothing is selected."""
        if not values:
            return None
        sets = self.values[facet]
        return set().union(*(sets.get(v, frozenset()) for v in values))

    def select_years(self, year: int | None, start: int | None, end: int | None) -> set[int] | None:
        if year is None and start is None and end is None:
            return None
        if year == UNKNOWN_YEAR_FILTER:
            return set(self.values["years"].get(UNKNOWN_YEAR, frozenset()))
        low = year if year is not None else (start if start is not None else 0)
        high = year if year is not None else (end if end is not None else 9999)
        years = [k for k in self.values["years"] if k.isdigit() and low <= int(k) <= high]
        return self.select("years", tuple(years)) or set()

    def counts(self, matched: set[int], selection: dict[str, set[int] | None],
               request: SearchRequest) -> dict[str, list[FacetCount]]:
        """Counts per value; each facet ignores its own selection (OR within a facet)."""
        out: dict[str, list[FacetCount]] = {}
        for facet, sets in self.values.items():
            chosen = set(request.selected(facet))
            others = [s for name, s in selection.items() if name != facet and s is not None]
            base = matched.intersection(*others) if others else matched
            counted = [FacetCount(value, len(base & docs), value in chosen) for value, docs in sets.items()]
            out[facet] = [c for c in counted if c.count or c.selected]
        return out
