"""Ranking plain-word searches without walking Whoosh's matcher tree.

A plain-words query is an OR of term and phrase leaves (see ``query``).
Whoosh scores it document at a time through a tree of union matchers, a
dozen Python calls per document per leaf; on 20,000 documents that was
most of a search. Here each term leaf is read block by block into the BM25
score of every document that has it (term at a time, kept per index
generation), and the leaves are added up: that also gives the set of
matching documents for the facets. The neighbour-pair bonus phrases, whose
positions are the costly part, are checked on the best ``CANDIDATES``
documents only.

Scores are those of ``LuceneBM25`` through Whoosh (``tests/test_ranking.py``
compares them); only a document outside the candidates that its pair
bonuses alone would lift into the page shown could be ranked differently.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as Q
from whoosh.formats import Positions
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from docsearch.index.engine.deadline import Deadline
from docsearch.index.engine.query import TEXT_FIELDS, BonusPhrase
from docsearch.index.internals import decode_positions, posting_blocks, posting_values, segment_length_bytes
from docsearch.index.weighting import LuceneBM25

CANDIDATES = 100  # documents whose pair bonuses are computed, at least
# Scores of terms and phrases kept per index generation, counted in documents
# (12 bytes each: about 100 MB), the least recently used dropped first.
LEAF_POSTINGS = 8_000_000

Mask = npt.NDArray[np.bool_]


class Scores:
    """Every match of a query and its score, as two arrays over all the
    records of the index (a dict of 15,000 matches cost 2–5 ms to merge,
    to turn into the set the facets count, and to rank with ``heapq``)."""

    __slots__ = ("matched", "values")

    def __init__(self, size: int) -> None:
        self.values: npt.NDArray[np.float64] = np.zeros(size)
        self.matched: Mask = np.zeros(size, dtype=np.bool_)

    def __iter__(self) -> Iterator[int]:
        return iter(np.flatnonzero(self.matched).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self.matched))

    def __getitem__(self, docnum: int) -> float:
        if not self.matched[docnum]:
            raise KeyError(docnum)
        return float(self.values[docnum])

    def add(self, leaf: Leaf) -> None:
        """Add a leaf's scores (each document once in a leaf)."""
        if len(leaf):
            ids = np.frombuffer(leaf.ids, dtype=np.int32)
            self.values[ids] += np.frombuffer(leaf.scores, dtype=np.float64)
            self.matched[ids] = True


class Leaf:
    """The scores of one term or phrase: document numbers (ascending) and
    their scores, in arrays (a dict would take eight times the memory)."""

    __slots__ = ("ids", "scores")

    def __init__(self, ids: Iterable[int] = (), scores: Iterable[float] = ()) -> None:
        self.ids, self.scores = array("i", ids), array("d", scores)

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, docnum: int) -> float | None:
        at = bisect.bisect_left(self.ids, docnum)
        return self.scores[at] if at < len(self.ids) and self.ids[at] == docnum else None

    def items(self) -> Iterable[tuple[int, float]]:
        return zip(self.ids, self.scores)


class Ranker:
    """One per index generation: document lengths and leaf results are kept
    for as long as the generation is served.

    Several threads search at once, each with its own searcher on the same
    generation (a Whoosh searcher reads its files through shared file
    positions): the kept scores, which are document numbers of that
    generation, serve them all. Only the bookkeeping of the kept scores is
    locked; two threads may compute the same leaf, and the second one
    kept wins, with the same values.
    """

    def __init__(self, weighting: LuceneBM25) -> None:
        self.weighting = weighting
        self.lengths: dict[str, npt.NDArray[np.float64]] = {}
        self.leaves: OrderedDict[Any, Leaf] = OrderedDict()
        self.held = 0  # documents in self.leaves
        self.records: dict[str, int] = {}  # records of each kind (``LuceneBM25.records``)
        self._lock = threading.Lock()

    @staticmethod
    def handles(q: Q.Query) -> bool:
        """A flat OR of terms and phrases of consecutive words over the text
        fields: the plain-words query (and some typed by hand)."""
        if not isinstance(q, Q.Or) or q.boost != 1 or q.minmatch or q.scale:
            return False
        for leaf in q.children():
            if type(leaf) is Q.Term:
                if leaf.fieldname not in TEXT_FIELDS and leaf.fieldname != "words":
                    return False
            elif type(leaf) in (Q.Phrase, BonusPhrase):
                if leaf.fieldname not in TEXT_FIELDS or leaf.slop != 1 or len(leaf.words) < 2:
                    return False
            else:
                return False
        return True

    def matches(self, searcher: Searcher, q: Q.Or, deadline: Deadline | None = None) -> Scores:
        """Every document the query matches, with the score of its term and
        phrase leaves (not yet the pair bonuses); past ``deadline``, the
        documents of the leaves read so far."""
        leaves = []
        for leaf in q.children():
            if deadline is not None and deadline.passed():
                break
            if not isinstance(leaf, BonusPhrase):
                leaves.append(self._leaf(searcher, leaf))
        # The longest first, then the others from the shortest: the order in
        # which each document's scores were added up when they were a dict
        # (the same sums, to the last bit).
        leaves.sort(key=len)
        total = Scores(searcher.doc_count_all())
        for leaf in leaves[-1:] + leaves[:-1]:
            total.add(leaf)
        return total

    def top(self, searcher: Searcher, q: Q.Or, scores: Scores, allowed: Mask | Iterable[int],
            count: int) -> list[tuple[int, float]]:
        """The ``count`` best of ``allowed`` (matches: a mask over the records,
        or their numbers), best first: the ``CANDIDATES`` best by their words'
        scores, re-ranked with the pair bonuses, then the others by their
        words' scores. Every page of results is a slice of this one order
        (equal scores: the lower document number first)."""
        best = _best(scores, allowed, max(CANDIDATES, count))
        final = {d: scores[d] for d in best[:CANDIDATES]}
        candidates = sorted(final)
        for leaf in q.children():
            if isinstance(leaf, BonusPhrase):
                for docnum, score in self._phrase(searcher, leaf, candidates).items():
                    final[docnum] += score
        reranked = sorted(final.items(), key=lambda item: (-item[1], item[0]))
        return (reranked + [(d, scores[d]) for d in best[CANDIDATES:]])[:count]

    # Leaves -----------------------------------------------------------------

    def _leaf(self, searcher: Searcher, leaf: Q.Query) -> Leaf:
        key = (type(leaf), leaf.field(), tuple(leaf.words) if isinstance(leaf, Q.Phrase) else leaf.text, leaf.boost)
        with self._lock:
            cached = self.leaves.get(key)
            if cached is not None:
                self.leaves.move_to_end(key)
                return cached
        if isinstance(leaf, Q.Term):
            cached = self._term(searcher, leaf.fieldname, leaf.text, leaf.boost)
        else:
            cached = self._phrase(searcher, leaf)
        with self._lock:
            previous = self.leaves.pop(key, None)  # another thread computed it meanwhile
            if previous is not None:
                self.held -= len(previous)
            self.leaves[key] = cached
            self.held += len(cached)
            while self.held > LEAF_POSTINGS and len(self.leaves) > 1:
                self.held -= len(self.leaves.popitem(last=False)[1])
        return cached

    def forget(self) -> None:
        """Drop the kept scores (the generation is no longer the current one)."""
        with self._lock:
            self.leaves.clear()
            self.held = 0

    def _term(self, searcher: Searcher, field: str, text: str, boost: float) -> Leaf:
        """BM25 of one term for every document that has it, read block by block."""
        # The scorer's figures without making a Whoosh scorer (its set-up
        # read the term's statistics again: 2 ms of a query at 20,000 pages);
        # the number of records of a kind is kept for the generation.
        df = searcher.doc_frequency(field, text)
        if not df:
            return Leaf()
        kind = "page" if field == "page_text" else "doc"
        records = self.records.get(kind)
        if records is None:
            records = self.records[kind] = self.weighting.records(searcher, field)
        idf, k1, b = self.weighting.idf(records, df), self.weighting.k1, self.weighting.b
        average = self.weighting.average(searcher, field)
        lengths = self._lengths(searcher, field)
        factor = boost * idf * (k1 + 1)
        norm_fixed, norm_length = k1 * (1 - b), k1 * b / average
        result = Leaf()
        for matcher, offset in self._postings(searcher, field, text):
            for ids, weights in posting_blocks(matcher):
                # A block at a time in arrays: the same operations in the same
                # order as the Python expression they replace, so the same
                # doubles (the weights are read as doubles, as Python did).
                docnums = np.asarray(ids, dtype=np.int64) + offset
                w = np.asarray(weights, dtype=np.float64)
                scores = factor * w / (w + norm_fixed + norm_length * lengths[docnums])
                result.ids.frombytes(docnums.astype(np.int32).tobytes())
                result.scores.frombytes(scores.tobytes())
        return result

    def _phrase(self, searcher: Searcher, leaf: Q.Phrase, among: list[int] | None = None) -> Leaf:
        """Documents (of ``among``, sorted, or all) where the words follow one
        another, scored as Whoosh scores a phrase: its boost times the sum of
        its words' scores."""
        field, words = leaf.fieldname, [str(w) for w in leaf.words]
        each = [self._leaf(searcher, Q.Term(field, word)) for word in words]
        if among is not None:
            docnums = [d for d in among if all(term.get(d) is not None for term in each)]
        else:
            docnums = sorted(set(each[0].ids).intersection(*(term.ids for term in each[1:])))
        places = [self._positions(searcher, field, word, docnums) for word in words]
        result = Leaf()
        shifts = [(-offset).__add__ for offset in range(1, len(words))]
        for docnum in docnums:
            # The first word's positions that the k-th word follows at +k:
            # set operations on C-level iterators, not a comprehension per word
            # ("saint lô" in 1,695 documents at 20,000 web pages: 48 ms → 21 ms, with ``posting_values``).
            starts = set(places[0][docnum])
            for shift, place in zip(shifts[:-1], places[1:-1]):
                starts.intersection_update(map(shift, place[docnum]))
            if not starts.isdisjoint(map(shifts[-1], places[-1][docnum])):  # stops at the first
                result.ids.append(docnum)
                result.scores.append(leaf.boost * sum(term.get(docnum) or 0.0 for term in each))
        return result

    def _positions(self, searcher: Searcher, field: str, text: str, docnums: list[int]) -> dict[int, list[int]]:
        """Where ``text`` occurs in each of ``docnums`` (sorted)."""
        places: dict[int, list[int]] = {}
        fmt = searcher.schema[field].format
        decode = decode_positions if type(fmt) is Positions else fmt.decoder("positions")
        for matcher, offset in self._postings(searcher, field, text):
            local = [d - offset for d in docnums if d >= offset]
            for docnum, value in posting_values(matcher, local):
                places[docnum + offset] = list(decode(value))
        return places

    @staticmethod
    def _postings(searcher: Searcher, field: str, text: str) -> Iterable[tuple[Any, int]]:
        """The raw posting list of each segment, with its first document number."""
        for sub, offset in searcher.leaf_searchers():
            try:
                matcher = sub.reader().postings(field, text)
            except TermNotFound:
                continue
            while hasattr(matcher, "child"):  # deleted documents: dropped with the facets' live set
                matcher = matcher.child
            yield matcher, offset

    def _lengths(self, searcher: Searcher, field: str) -> npt.NDArray[np.float64]:
        lengths = self.lengths.get(field)
        if lengths is None:  # two threads may both read it: the same values
            whole: list[float] = []
            for sub, _ in searcher.leaf_searchers():
                whole += _segment_lengths(sub.reader(), field)
            lengths = self.lengths[field] = np.array(whole, dtype=np.float64)
        return lengths


_LENGTHS = [float(byte_to_length(b) or 1) for b in range(256)]


def _best(scores: Scores, allowed: Mask | Iterable[int], count: int) -> list[int]:
    """The ``count`` documents of ``allowed`` with the highest scores, best
    first, equal scores by ascending number (what ``heapq.nlargest`` with the
    key (score, -docnum) gave, 2.5 ms of a query at 20,000 pages)."""
    if not isinstance(allowed, np.ndarray):
        mask = np.zeros(len(scores.values), dtype=np.bool_)
        mask[np.fromiter(allowed, dtype=np.int64)] = True
        allowed = mask
    ids = np.flatnonzero(allowed)
    values = scores.values[ids]
    if len(ids) > count:  # only those at least as good as the count-th best are sorted
        kth = np.partition(values, len(values) - count)[len(values) - count]
        keep = values >= kth
        ids, values = ids[keep], values[keep]
    order = np.lexsort((ids, -values))  # by score descending, then number ascending
    best: list[int] = ids[order][:count].tolist()
    return best


def _segment_lengths(reader: Any, field: str) -> list[float]:
    """The length of ``field`` in each document of a segment, as Whoosh's
    scorers see it (stored as one byte)."""
    column = segment_length_bytes(reader, field)
    if column is None:
        return [1.0] * reader.doc_count_all()
    return [_LENGTHS[b] for b in column]
