"""Where a hit's words are: the page numbers, and snippets from its best pages.

The query's words (index terms, on the positive side) are looked up in the
hit's own page records by skipping through each word's postings — no full
search per hit. Every page with one of the words is listed; the pages with
the most distinct words give the snippets, whose document text is escaped
and whose matched words are marked.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from functools import lru_cache

from whoosh import query as Q
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from docsearch.index.analysis import CJK, WORD, word_terms
from docsearch.index.backend import Snippet
from docsearch.text import fold

SNIPPET_PAGES = 1  # pages a hit shows a snippet from (the costly part: highlighting)
MAX_PAGE_TERMS = 64
SNIPPET_CHARS = 240  # at most, per passage (a passage with one word is about 140)
SNIPPET_CONTEXT = 70  # characters of context each side of the words
MAX_MATCHES = 100  # matched words of a page that passages are chosen from  # enough to place the words; a bound on the work per hit


def page_terms(q: Q.Query) -> list[str]:
    """The words of the query that the pages are searched for."""
    terms: list[str] = []
    _collect(q, terms)
    return list(dict.fromkeys(terms))[:MAX_PAGE_TERMS]


def _collect(q: Q.Query, out: list[str]) -> None:
    if isinstance(q, Q.AndNot):
        _collect(q.a, out)
    elif isinstance(q, Q.Not):
        return
    elif isinstance(q, Q.Term) and q.fieldname == "content":
        out.append(str(q.text))
    elif isinstance(q, Q.Phrase) and q.fieldname == "content":
        out.extend(str(w) for w in q.words)
    elif not q.is_leaf():
        for child in q.children():
            _collect(child, out)


class PageFinder:
    """Pages and snippets of the hits of one result page, found together:
    each word's postings are walked once for all the hits."""

    def __init__(self, searcher: Searcher, terms: list[str], doc_ids: list[str]) -> None:
        self.searcher, self.terms = searcher, terms
        self.numbers = searcher.reader().column_reader("page")
        self.pages = {doc_id: sorted(d for d in searcher.docs_for_query(Q.Term("doc_id", doc_id)) if self.numbers[d])
                      for doc_id in (doc_ids if terms else [])}
        self.coverage = self._coverage(sorted(d for pages in self.pages.values() for d in pages))

    def locate(self, doc_id: str) -> tuple[list[int], list[Snippet]]:
        if not self.terms:
            return [], []
        covered = [d for d in self.pages.get(doc_id, []) if d in self.coverage]
        numbers = sorted(self.numbers[d] for d in covered)
        best = sorted(covered, key=lambda d: (-self.coverage[d], self.numbers[d]))[:SNIPPET_PAGES]
        return numbers, [s for s in (self._snippet(d) for d in sorted(best, key=lambda d: self.numbers[d])) if s]

    def _coverage(self, pages: list[int]) -> Counter[int]:
        """For each page (sorted), how many of the words it has."""
        coverage: Counter[int] = Counter()
        for term in self.terms if pages else []:
            try:
                matcher = self.searcher.postings("page_text", term)
            except TermNotFound:
                continue
            for docnum in pages:
                if matcher.is_active() and matcher.id() < docnum:
                    matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
                if matcher.id() == docnum:
                    coverage[docnum] += 1
        return coverage

    def _snippet(self, docnum: int) -> Snippet | None:
        text = self.searcher.stored_fields(docnum).get("page_text", "")
        marked = snippet_html(text, self.terms)
        return Snippet(page=self.numbers[docnum], html=marked) if marked else None


def snippet_html(text: str, terms: list[str], width: int = SNIPPET_CHARS, top: int = 2) -> str:
    """Up to ``top`` passages of ``text`` around the words whose index term is
    in ``terms``, escaped, the words in ``<mark>``, joined by " … ".

    Only the words that may match are looked at (``matching_words``):
    Whoosh's highlighter analysed every page again and cost more than the
    search itself on long web pages.
    """
    found = matching_words(text, terms)
    if not found:
        return ""
    groups = []  # a passage: the matches that fit in ``width`` from the first
    reach = width - 2 * SNIPPET_CONTEXT
    i = 0
    while i < len(found):
        j = i
        while j + 1 < len(found) and found[j + 1][1] - found[i][0] <= reach:
            j += 1
        groups.append(((len({number for _, _, number in found[i:j + 1]}), j - i + 1, -i), i, j))
        i = j + 1
    chosen: list[tuple[int, int]] = []
    for _, i, j in sorted(groups, reverse=True):  # most distinct words, then most words, then first
        start = _word_boundary(text, max(0, found[i][0] - SNIPPET_CONTEXT), backwards=True)
        end = _word_boundary(text, min(len(text), found[j][1] + SNIPPET_CONTEXT), backwards=False)
        if all(end <= s or start >= e for s, e in chosen):  # no text twice
            chosen.append((start, end))
            if len(chosen) == top:
                break
    # Every match inside a chosen passage is marked, not only those of its group.
    return " … ".join(_passage(text, start, end, [f for f in found if start <= f[0] < end]) for start, end in sorted(chosen))


def matching_words(text: str, terms: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, number of its term in ``terms``) of each word of ``text`` whose index term is in ``terms``."""
    numbers = {term: n for n, term in enumerate(terms)}
    number_of: dict[str, int | None] = {}  # each distinct word of the page looked up once
    found = []
    # Each candidate is the word as the analyzer cuts it: ``WORD`` itself on a
    # page with ideographs, else a run of ``\w`` on a page without any, which
    # is what ``WORD`` matches there (no second match per word: a tenth of
    # the snippets' time).
    pattern = WORD if _CJK_CHAR.search(text) else candidate_words(tuple(terms))
    for match in pattern.finditer(text):
        word = match.group()
        if word in number_of:
            number = number_of[word]
        else:
            t = word_terms(word)
            number = number_of[word] = numbers.get(t[1]) if t is not None else None
        if number is not None:
            found.append((match.start(), match.end(), number))
            if len(found) == MAX_MATCHES:
                break  # enough to choose passages from, on a long page
    return found


@lru_cache(maxsize=1024)
def candidate_words(terms: tuple[str, ...]) -> re.Pattern[str]:
    """The words that may have one of ``terms`` as index term: those that
    begin like it, accents and case aside (a stem begins like its words).
    The regular expression skips the other words of a page at C speed;
    each candidate is then analysed to be sure."""
    if not terms or any(len(t) < 1 or _CJK_CHAR.search(t) for t in terms):
        return WORD
    prefixes = sorted({_accent_insensitive(t[:PREFIX_LETTERS]) for t in terms}, key=len, reverse=True)
    # Pages with ideographs (where a word may begin right after one) are
    # scanned word by word instead (see ``matching_words``).
    return re.compile(rf"(?<!\w)(?:{'|'.join(prefixes)})\w*", re.IGNORECASE)


def _accent_insensitive(folded: str) -> str:
    out, i = [], 0
    while i < len(folded):
        pair = folded[i:i + 2]
        if pair in _LIGATURES:
            out.append(f"(?:{_letter(pair[0])}{_letter(pair[1])}|{_LIGATURES[pair]})")
            i += 2
        else:
            out.append(_letter(folded[i]))
            i += 1
    return "".join(out)


def _letter(folded: str) -> str:
    variants = _VARIANTS.get(folded)
    return f"[{re.escape(folded)}{re.escape(variants)}]" if variants else re.escape(folded)


def _variants() -> dict[str, str]:
    """For each folded letter, the letters that fold to it (é, è, ê… → e; й → и)."""
    table: dict[str, str] = {}
    # Latin with its extensions (Vietnamese too), Greek, Cyrillic.
    for code in itertools.chain(range(0xC0, 0x250), range(0x370, 0x530), range(0x1E00, 0x1F00)):
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and folded != char and folded.isalnum():
            table[folded] = table.get(folded, "") + char
    return table


PREFIX_LETTERS = 3  # on the French vocabulary, a stem's first three letters always begin its words
_VARIANTS = _variants()
_LIGATURES = {"oe": "œ", "ae": "æ", "ss": "ß"}
_CJK_CHAR = re.compile(f"[{CJK}]")


def _passage(text: str, start: int, end: int, group: list[tuple[int, int, int]]) -> str:
    out, at = [], start
    for begin, finish, number in group:
        out.append(html.escape(text[at:begin], quote=False))
        out.append(f'<mark class="match term{number}">{html.escape(text[begin:finish], quote=False)}</mark>')
        at = finish
    out.append(html.escape(text[at:end], quote=False))
    return " ".join("".join(out).split())


def _word_boundary(text: str, at: int, backwards: bool) -> int:
    """Move ``at`` to the nearest space so that no word is cut in two."""
    if at <= 0 or at >= len(text):
        return at
    space = text.rfind(" ", 0, at) if backwards else text.find(" ", at)
    return at if space == -1 or abs(space - at) > 20 else (space + 1 if backwards else space)
