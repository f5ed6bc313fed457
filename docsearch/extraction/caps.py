"""Caps per document, applied to every extraction result before it is analysed.

Analysis and writing run in the indexing process while it holds the write
lock, so what one document may cost there is bounded here. Measured on the
machine this was written on (``document_terms`` then a Whoosh commit, one
page): 200,000 distinct words (1.8 MB) took 9 s to analyse and 19 s to
write, about 140 µs per distinct word; 1,000,000 distinct words took 108 s.
The same 1.8 MB with 5,000 distinct words took 0.7 s in all, about 0.4 s per
MB of ordinary text. So, by default:

- 30,000 distinct words per document (about 4 s at most; a 300-page report
  has 10,000 to 20,000);
- 5,000,000 characters per document (about 2 s of ordinary text, some 1,500
  dense pages) and 1,000,000 per page (a long web page is 100,000);
- 5,000 pages (a PDF whose page tree lists one page 200,000 times would
  otherwise make 200,000 page records).

The worst document then costs a few seconds, not minutes. What is cut is
said in the document's warnings (staff sees them); the text before the cut
is indexed as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from docsearch.extraction.extracted import Extracted

# Distinct words are counted on lowercased word characters: an analysed
# term (folded, stemmed) is never more distinct than that, so the count bounds it.
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Caps:
    pages: int = 5_000
    page_chars: int = 1_000_000
    document_chars: int = 5_000_000
    distinct_words: int = 30_000


def cap(extracted: Extracted, caps: Caps) -> tuple[Extracted, list[str]]:
    """``extracted`` within ``caps``, and a French warning for each cap reached."""
    pages, warnings = extracted.pages, []
    if len(pages) > caps.pages:
        warnings.append(f"document tronqué : seules les {caps.pages} premières pages sur {len(pages)} sont indexées")
        pages = pages[:caps.pages]
    if any(len(page) > caps.page_chars for page in pages):
        warnings.append(f"page tronquée : seuls les {caps.page_chars} premiers caractères d'une page sont indexés")
        pages = [page[:caps.page_chars] for page in pages]
    kept, room = [], caps.document_chars
    for page in pages:
        if len(page) > room:
            warnings.append(f"document tronqué : seuls ses {caps.document_chars} premiers caractères sont indexés")
            kept.append(page[:room])
            break
        kept.append(page)
        room -= len(page)
    pages = _distinct_words(kept, caps.distinct_words, warnings)
    if not warnings:
        return extracted, []
    return replace(extracted, pages=pages), warnings


def _distinct_words(pages: list[str], limit: int, warnings: list[str]) -> list[str]:
    # Words are separated by at least one character, so a page of n characters holds at most
    # (n + 1) // 2 of them: a document under 2 × limit characters (a 36 KB web page, a
    # six-page PDF) cannot exceed the limit and is not read at all. Else, lower() maps the
    # words as written onto the lowered ones, never to more: when the written ones are within
    # the limit, so are the lowered ones (one set, no lower() per word). bench/guesses.py,
    # cap per document: 2,000 web pages 0.59 → 0.13 ms, 2,000 PDFs 0.93 → 0.46 ms.
    if sum((len(page) + 1) // 2 for page in pages) <= limit:
        return pages
    written: set[str] = set()
    for page in pages:
        written.update(_WORD.findall(page))
    if len(written) <= limit:
        return pages
    seen: set[str] = set()
    for number, page in enumerate(pages):
        words = {word.lower() for word in _WORD.findall(page)}
        if len(seen) + len(words - seen) <= limit:  # the usual case: the whole page fits
            seen |= words
            continue
        for match in _WORD.finditer(page):
            word = match.group().lower()
            if word in seen:
                continue
            if len(seen) >= limit:
                warnings.append(f"document tronqué : seuls ses {limit} premiers mots distincts sont indexés")
                return [*pages[:number], page[:match.start()]]
            seen.add(word)
    return pages
