"""Autocomplete: what a visitor may be typing, from the index's own words and titles.

``Completer.complete(text)`` completes the last word of ``text`` with the
index's most frequent words starting like it (written with their accents),
the words before it kept as typed, and adds the titles holding every word
typed (the last as a prefix). Answers are kept per index generation: the
titles are read once per generation, and each prefix is looked up once.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from docsearch.index.backend import Backend
from docsearch.text import fold

WORDS = 6
TITLES = 4
KEPT = 2048  # answers kept per generation
MAX_INPUT = 100  # characters of the typed text looked at
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # "mot" (the query completed) or "titre" (a document's title)
    doc_id: str = ""  # for a title: its document


class Completer:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._generation: Hashable = None
        self._titles: list[tuple[tuple[str, ...], str, str]] | None = None
        self._answers: OrderedDict[str, list[Completion]] = OrderedDict()

    def complete(self, text: str) -> list[Completion]:
        text = " ".join(text[:MAX_INPUT].split())
        words = [fold(w) for w in _WORD.findall(text)]
        if not words or len(words[-1]) < 2 or text[-1:].isspace():
            return []
        generation = self.backend.generation()
        key = fold(text)
        with self._lock:
            if generation != self._generation:
                self._generation, self._titles = generation, None
                self._answers.clear()
            if key in self._answers:
                return list(self._answers[key])
        head = text[: text.rfind(_WORD.findall(text)[-1])]
        found = [Completion(head + word, "mot") for word in self.backend.complete_words(words[-1], WORDS)]
        found += [Completion(title, "titre", doc_id) for title, doc_id in self._matching_titles(words)]
        with self._lock:
            self._answers[key] = found
            if len(self._answers) > KEPT:
                self._answers.popitem(last=False)
        return list(found)

    def _matching_titles(self, words: list[str]) -> list[tuple[str, str]]:
        if self._titles is None:
            titles = [(tuple(fold(w) for w in _WORD.findall(d.title)), d.title, d.id) for d in self.backend.documents()]
            with self._lock:
                self._titles = titles
        *whole, last = words
        found = []
        for title_words, title, doc_id in self._titles or []:
            if all(w in title_words for w in whole) and any(t.startswith(last) for t in title_words):
                found.append((title, doc_id))
                if len(found) == TITLES:
                    break
        return found
