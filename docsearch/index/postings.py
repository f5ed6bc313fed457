"""A document's index terms, from one analysis of each page.

Whoosh analyses every field value on its own, so a document's text would be
analysed three times: once per page record, once as the whole text (ranking)
and once more for the unstemmed words (wildcards, near words). Analysis is
most of the indexing time. Here each page is tokenised once and the three
sets of postings are built from that pass; they are byte for byte what the
analyzers of ``analysis`` give (``tests/test_postings.py`` compares them).

The result travels to Whoosh as ``Analyzed`` text: a ``str`` that also
carries its postings. ``PreAnalyzedText`` fields use them; a plain ``TEXT``
field (an index written by an older version) analyses the text as usual.
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from whoosh.fields import TEXT
from whoosh.formats import Format
from whoosh.system import pack_uint

from docsearch.index.analysis import WORD, word_terms

# (term bytes, frequency, weight, encoded value): what ``FieldType.index`` yields.
Posting = tuple[bytes, int, float, bytes]
WORDS_MINSIZE = 2  # as ``words_analyzer``


class Analyzed(str):
    """Text with its postings already computed for one field."""

    postings: list[Posting]

    def __new__(cls, text: str, postings: list[Posting]) -> Analyzed:
        value = super().__new__(cls, text)
        value.postings = postings
        return value


class PreAnalyzedText(TEXT):
    """A TEXT field that takes the postings of ``Analyzed`` values as they are."""

    def index(self, value: str, **kwargs: object) -> Iterable[Posting]:
        postings: list[Posting] | None = getattr(value, "postings", None)
        if postings is not None:
            return postings
        indexed: Iterable[Posting] = super().index(value, **kwargs)  # Whoosh is untyped
        return indexed


@dataclass
class Part:
    """One analysed piece of text (a page, or the title put before the pages)."""

    count: int  # words seen, stop words included: positions count them
    first: int  # index of the first kept word (its position)
    folded: list[str]  # the kept words, folded
    stems: list[str]  # their index terms


def analyse(text: str) -> Part:
    words = WORD.findall(text)
    terms = [word_terms(w) for w in words]
    first = next((i for i, t in enumerate(terms) if t is not None), len(words))
    kept = [t for t in terms if t is not None]
    return Part(len(words), first, [t[0] for t in kept], [t[1] for t in kept])


def positions_postings(stems: list[str], first: int, fmt: Format) -> list[Posting]:
    """What ``Positions.word_values`` gives for these terms, the first at position ``first``."""
    where: dict[str, list[int]] = defaultdict(list)
    for offset, term in enumerate(stems):
        where[term].append(first + offset)
    return [(term.encode("utf-8"), len(places), float(len(places)), _encode_positions(places)) for term, places in where.items()]


def _encode_positions(places: list[int]) -> bytes:
    """``Positions.encode``: the count, then the pickled gaps between positions."""
    if len(places) == 1:
        return _one_position(places[0])
    gaps = [b - a for a, b in zip([0, *places], places)]
    return _packed(len(gaps)) + pickle.dumps(gaps, 2)


# Most terms of a document occur once (its posting is one position), and the
# same few thousand positions recur from one document to the next: their
# encodings are kept rather than pickled again (cProfile of a rebuild of 2,000 PDFs
# in one process: _encode_positions 1.4 s and pack_uint calls ~0.5 s of 59 s; the
# gain is below the noise of a wall-clock run on the shared machine).
@lru_cache(maxsize=100_000)
def _one_position(place: int) -> bytes:
    return _packed(1) + pickle.dumps([place], 2)


_PACKED: list[bytes] = [pack_uint(n) for n in range(4096)]  # Whoosh is untyped: a struct packer


def _packed(n: int) -> bytes:
    """``pack_uint(n)``, the small counts (nearly all of them) from a table."""
    if n < 4096:
        return _PACKED[n]
    packed: bytes = pack_uint(n)
    return packed


def frequency_postings(words: Iterable[str]) -> list[Posting]:
    """What ``Frequency.word_values`` gives for these words."""
    return [(word.encode("utf-8"), n, float(n), _packed(n)) for word, n in Counter(words).items()]


@dataclass
class DocumentTerms:
    content: Analyzed  # the whole text, for ranking
    words: Analyzed  # its unstemmed words
    pages: list[Analyzed | None]  # one per page (frequencies, no positions); None for a page without text


def document_terms(pages: list[str], title: str | None, text_format: Format, more_words: str = "") -> DocumentTerms:
    """The postings of a document whose text is ``title`` (if given) then its
    pages, each separated by a blank line, as ``write_document`` joins them.
    ``more_words`` (its authors, keywords, file name) count among its
    unstemmed words only: prefixes and spelling suggestions know them, the
    ranking of the text does not."""
    parts = [analyse(page) if page else None for page in pages]
    pieces = ([analyse(title)] if title is not None else []) + [p for p in parts if p is not None]
    text = "\n\n".join(([title] if title is not None else []) + list(pages))
    seen = 0  # words before the current piece
    first = None
    stems: list[str] = []
    for piece in pieces:
        if first is None and piece.stems:
            first = seen + piece.first
        seen += piece.count
        stems += piece.stems
    extra = [analyse(more_words)] if more_words else []
    folded = (w for piece in [*pieces, *extra] for w in piece.folded if len(w) >= WORDS_MINSIZE)
    return DocumentTerms(
        content=Analyzed(text, positions_postings(stems, first or 0, text_format)),
        words=Analyzed(text, frequency_postings(folded)),
        pages=[Analyzed(page, frequency_postings(part.stems)) if part else None for page, part in zip(pages, parts)],
    )
