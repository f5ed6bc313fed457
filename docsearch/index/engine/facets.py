"""Facet counting over sets of document numbers.

``FacetSets`` reads, once per index generation, which documents carry each
value of each facet (``backend.FACETS``); the matches of a search are a mask
over the records, and counting a facet is one ``bincount`` of the values of
the matching records, exact over all matches whatever the page shown (a set
intersection per value took 2–7 ms of a query at 20,000 pages; this, 0.3).
Values of one facet combine with OR, facets with AND, and each facet's
counts ignore that facet's own selection.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from whoosh import query as Q
from whoosh.searching import Searcher

from docsearch.index.backend import (
    FACETS,
    UNKNOWN_YEAR,
    UNKNOWN_YEAR_FILTER,
    FacetCount,
    SearchRequest,
)

Mask = npt.NDArray[np.bool_]


class FacetSets:
    """Read-only once built: the threads searching one generation share it."""

    def __init__(self, searcher: Searcher) -> None:
        # A set (Whoosh takes no frozenset as a filter), never changed once made.
        self.all_docs = set(searcher.docs_for_query(Q.Term("kind", "doc")))
        self.size = searcher.doc_count_all()
        self.all_mask = self.mask(self.all_docs)
        self.values: dict[str, dict[str, frozenset[int]]] = {}
        # For each facet, each (record, value) pair: the records, and the number of the value.
        self._pairs: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
        reader = searcher.reader()
        for facet in FACETS:
            terms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(facet.field)]
            values = {t: frozenset(searcher.docs_for_query(Q.Term(facet.field, t))) & self.all_docs for t in terms}
            self.values[facet.key] = values
            self._pairs[facet.key] = (
                np.array([d for docs in values.values() for d in docs], dtype=np.int64),
                np.array([n for n, docs in enumerate(values.values()) for _ in docs], dtype=np.int64),
            )

    def mask(self, docnums: Iterable[int]) -> Mask:
        """The records ``docnums``, as a mask over the records."""
        mask = np.zeros(self.size, dtype=np.bool_)
        mask[np.fromiter(docnums, dtype=np.int64)] = True
        return mask

    def restrict(self, matched: Mask | Iterable[int]) -> Mask:
        """Matching document records only (page records carry no facets)."""
        if not isinstance(matched, np.ndarray):
            matched = self.mask(matched)
        restricted: Mask = matched & self.all_mask
        return restricted

    def selection(self, request: SearchRequest) -> dict[str, Mask | None]:
        """For each facet, the documents its selected values allow (None: nothing selected)."""
        chosen = {
            "sectors": self.select("sectors", request.sectors),
            "types": self.select("types", request.types),
            "years": self.select_years(request.year, request.year_from, request.year_to),
            "languages": self.select("languages", request.languages),
            "keywords": self.select("keywords", request.keywords),
        }
        return {facet: None if docs is None else self.mask(docs) for facet, docs in chosen.items()}

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

    def counts(self, matched: Mask, selection: dict[str, Mask | None],
               request: SearchRequest) -> dict[str, list[FacetCount]]:
        """Counts per value; each facet ignores its own selection (OR within a facet)."""
        out: dict[str, list[FacetCount]] = {}
        for facet, sets in self.values.items():
            chosen = set(request.selected(facet))
            base = matched
            for name, allowed in selection.items():
                if name != facet and allowed is not None:
                    base = base & allowed
            docs, numbers = self._pairs[facet]
            per_value = np.bincount(numbers[base[docs]], minlength=len(sets)).tolist()
            counted = [FacetCount(value, count, value in chosen) for value, count in zip(sets, per_value)]
            out[facet] = [c for c in counted if c.count or c.selected]
        return out
