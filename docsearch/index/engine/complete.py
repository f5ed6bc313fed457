"""The index's own words that start like a word being typed (autocomplete).

``complete_words(searcher, prefix, limit)``: the words of the ``words``
field (folded, unstemmed) starting with ``prefix``, the most frequent first,
each written as the documents write it (*cooperative* → *coopérative*).
At most ``SCANNED`` words of the lexicon are looked at, so a one-letter
prefix costs no more than a longer one.
"""

from __future__ import annotations

import heapq
import itertools

from whoosh.searching import Searcher

from docsearch.index.analysis import STOP_WORDS
from docsearch.index.engine.suggest import written_form
from docsearch.text import fold

SCANNED = 5000  # lexicon words looked at for one prefix
MIN_PREFIX = 2


def complete_words(searcher: Searcher, prefix: str, limit: int) -> list[str]:
    folded = fold(prefix).strip()
    if len(folded) < MIN_PREFIX:
        return []
    reader = searcher.reader()
    words = (w if isinstance(w, str) else w.decode("utf-8") for w in reader.expand_prefix("words", folded))
    candidates = [w for w in itertools.islice(words, SCANNED) if w not in STOP_WORDS and not w.isdigit()]
    best = heapq.nlargest(limit, candidates, key=lambda w: reader.doc_frequency("words", w))
    return [written_form(searcher, w) for w in best]
