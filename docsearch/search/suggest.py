"""“Did you mean”: spelling corrections from the index's own words.

``suggest(searcher, text)`` replaces each word the index does not know by
its closest frequent word (edit distance 1, or 2 for longer words), written
as the documents write it (with its accents: *cooperatve* → *coopérative*).
It returns None when every word is known.
"""

from __future__ import annotations

import re

from whoosh import query as Q
from whoosh.searching import Searcher

from docsearch.index.analysis import STOP_WORDS, stem
from docsearch.text import fold

_WORD = re.compile(r"\w+")


def suggest(searcher: Searcher, text: str) -> str | None:
    reader = searcher.reader()
    changed = False

    def correct(match: re.Match[str]) -> str:
        nonlocal changed
        word = fold(match.group())
        if len(word) < 4 or word in STOP_WORDS or word.isdigit() or reader.doc_frequency("words", word):
            return match.group()
        best = _closest(reader, word)
        if best is None:
            return match.group()
        changed = True
        return _written_form(searcher, best)

    corrected = _WORD.sub(correct, text)
    return corrected if changed else None


def _closest(reader: object, word: str) -> str | None:
    distance = 1 if len(word) <= 5 else 2
    candidates = list(reader.terms_within("words", word, distance, prefix=1))  # type: ignore[attr-defined]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (_edits(word, c), -reader.doc_frequency("words", c)))  # type: ignore[attr-defined]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (the words are short)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _written_form(searcher: Searcher, folded: str) -> str:
    """The word as a page of the corpus writes it: "cooperative" → "coopérative"."""
    for hit in searcher.search(Q.Term("page_text", stem(folded)), limit=3):
        for token in _WORD.findall(hit.get("page_text", "")):
            if fold(token) == folded:
                return token.lower()
    return folded
