"""Where a hit's words are: the page numbers, and snippets from its best pages.

The query's words (index terms, on the positive side) are looked up in the
hit's own page records by skipping through each word's postings — no full
search per hit. Every page with one of the words is listed; the pages with
the most distinct words give the snippets, whose document text is escaped
and whose matched words are marked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from whoosh import highlight
from whoosh import query as Q
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

SNIPPET_PAGES = 1  # pages a hit shows a snippet from (the costly part: highlighting)
MAX_PAGE_TERMS = 64  # enough to place the words; a bound on the work per hit


@dataclass
class Snippet:
    page: int | None
    html: str  # document text HTML-escaped, matched words in <mark>


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
    def __init__(self, searcher: Searcher, terms: list[str]) -> None:
        self.searcher, self.terms = searcher, terms
        self.numbers = searcher.reader().column_reader("page")
        self.analyzer = searcher.schema["page_text"].analyzer

    def locate(self, doc_id: str) -> tuple[list[int], list[Snippet]]:
        if not self.terms:
            return [], []
        pages = sorted(d for d in self.searcher.docs_for_query(Q.Term("doc_id", doc_id)) if self.numbers[d])
        coverage = self._coverage(pages)
        numbers = sorted(self.numbers[d] for d in coverage)
        best = sorted(coverage, key=lambda d: (-coverage[d], self.numbers[d]))[:SNIPPET_PAGES]
        return numbers, [s for s in (self._snippet(d) for d in sorted(best, key=lambda d: self.numbers[d])) if s]

    def _coverage(self, pages: list[int]) -> Counter[int]:
        """For each page, how many of the words it has."""
        coverage: Counter[int] = Counter()
        for term in self.terms:
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
        fragmenter = highlight.ContextFragmenter(maxchars=240, surround=70, charlimit=None)
        formatter = highlight.HtmlFormatter(tagname="mark", classname="match", between=" … ")
        html = highlight.highlight(text, frozenset(self.terms), self.analyzer, fragmenter, formatter, top=2, minscore=0)
        html = " ".join(html.split())
        return Snippet(page=self.numbers[docnum], html=html) if html else None
