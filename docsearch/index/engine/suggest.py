"""The index's words near a word it lacks: for the query (near words are
searched too) and for "did you mean".

``near_words`` is the one lexicon lookup: the index's unstemmed words
within one edit of a word of up to five letters, two beyond (a short word
two edits away is mostly another word: "sport" and "port"), first letter
fixed. ``suggest(searcher, text)`` replaces each unknown word by its
closest, most frequent near word, written as the documents write it (with
its accents: *cooperatve* → *coopérative*); None when every word is known.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from whoosh import query as Q
from whoosh.searching import Searcher

from docsearch.index.analysis import STOP_WORDS, stem
from docsearch.text import fold

_WORD = re.compile(r"\w+")
LONG_WORD = 6  # letters from which two edits are allowed


def near_words(reader: Any, word: str, limit: int | None = None) -> list[str]:
    """The index's words (of the ``words`` field) near ``word``, in lexicon order, at most ``limit``."""
    distance = 2 if len(word) >= LONG_WORD else 1
    return list(itertools.islice(reader.terms_within("words", word, distance, prefix=1), limit))


def suggest(searcher: Searcher, text: str) -> str | None:
    reader = searcher.reader()
    changed = False

    def correct(match: re.Match[str]) -> str:
        nonlocal changed
        word = fold(match.group())
        if len(word) < 4 or word in STOP_WORDS or word.isdigit() or reader.doc_frequency("words", word):
            return match.group()
        candidates = near_words(reader, word)
        if not candidates:
            return match.group()
        best = min(candidates, key=lambda c: (_edits(word, c), -reader.doc_frequency("words", c)))
        changed = True
        return written_form(searcher, best)

    corrected = _WORD.sub(correct, text)
    return corrected if changed else None


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (the words are short)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def written_form(searcher: Searcher, folded: str) -> str:
    """The word as a page of the corpus writes it: "cooperative" → "coopérative"."""
    for hit in searcher.search(Q.Term("page_text", stem(folded)), limit=3):
        for token in _WORD.findall(str(hit.get("page_text", ""))):
            if fold(token) == folded:
                return str(token).lower()
    return folded
