"""The lines of a PDF's first page with the size of their letters.

The title of a report, a brochure or a slide deck is the largest text near
the top of its first page, which the plain text does not say: PDFium gives
each character's box, and a line's size is the median height of its
characters' loose boxes (the font's ascent to descent, so "a" and "É" of
one font measure the same). On the 71 real French documents of
``../shared/realworld/fr``, reading the sizes lifts the accepted titles from
88.7 % (first lines only) to 100 % (bench/metadata.py, 2026-12-01).

A line of page 1 that is also at the top or bottom of most of the next pages,
at the same size, is a running header or footer ("SG/SNUM/MSP", "Hôtel de
Matignon – 57 rue de Varenne"): marked ``repeated``, never a title. A title
repeated small in the header of the next pages keeps its place, since its
size differs.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Protocol

from docsearch.extraction.extracted import Line
from docsearch.text import clean_line

# Lines of page 1 kept: a title is in the first ones, and the record stays small.
FIRST_LINES = 80
# Pages after the first compared with it to find running headers and footers.
HEADER_PAGES = 5
# Where a running header or footer stands: this share of the page at the top or the bottom…
MARGIN = 0.15
# …or among this many lines at either end of the page's reading order.
END_LINES = 3
# Sizes within this ratio are "the same size" (rounding of boxes, bold against regular).
SAME_SIZE = 0.1
# Characters read on page 1 at most (a title is in its first lines), and at
# either end of the next pages (where their headers and footers are): reading
# a character's box is a call into PDFium, 70 ms for a page of a data table.
PAGE_CHARS = 8_000
END_CHARS = 600

_DIGITS = re.compile(r"\d+")


class PageText(Protocol):
    """Pages of an open PDF with their PDFium text page, each loaded once
    (pdf.py reads page text from the same ones)."""

    def textpage(self, index: int) -> tuple[Any, float] | None:
        """Page ``index``'s PDFium text page and the page's height, None when damaged."""
        ...


def first_page_lines(pages: PageText, count: int) -> list[Line]:
    """Page 1's lines with their size, running headers and footers marked."""
    first = _page_lines(pages.textpage(0), limit=FIRST_LINES)
    if not first:
        return []
    others = [_page_lines(pages.textpage(i), ends_only=True) for i in range(1, min(count, 1 + HEADER_PAGES))]
    margins = [_margin_keys(lines) for lines in others if lines]
    return [_mark(line, margins) for line in first[:FIRST_LINES]]


def _mark(line: Line, margins: list[dict[str, float]]) -> Line:
    if not margins:
        return line
    key = _key(line.text)
    if not key:
        return line
    found = sum(1 for keys in margins if key in keys and _same_size(keys[key], line.size))
    if found * 2 >= len(margins):
        return Line(line.text, line.size, line.top, repeated=True)
    return line


def _margin_keys(lines: list[Line]) -> dict[str, float]:
    """The lines a running header or footer could be, by comparison key."""
    chosen = lines[:END_LINES] + lines[-END_LINES:] + [ln for ln in lines if ln.top < MARGIN or ln.top > 1 - MARGIN]
    return {key: line.size for line in chosen if (key := _key(line.text))}


def _key(text: str) -> str:
    """Page numbers and dates vary from page to page: compared without digits."""
    decomposed = unicodedata.normalize("NFKD", _DIGITS.sub("", text).lower())
    return " ".join("".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c)).split())


def _same_size(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_SIZE * max(a, b, 1.0)


def _page_lines(loaded: tuple[Any, float] | None, ends_only: bool = False, limit: int = 0) -> list[Line]:
    """Lines in PDFium's reading order (with ``ends_only``, those of its first
    and last characters; with ``limit``, the first ``limit`` lines); a damaged
    page has none.

    One PDFium call per character for its letter and one for its box, made
    straight on the raw handles with one reused rectangle: the helpers of
    pypdfium2 (a new rectangle, a checked wrapper per call) and a ``round``
    per character took 14 ms of the 20 ms a generated PDF cost to read
    (bench/extract_cost.py, 300 generated PDFs); now ~5 ms, same lines."""
    if loaded is None:
        return []
    import pypdfium2.raw as raw

    textpage, height = loaded
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    if count < 0:
        return []
    if ends_only and count > 2 * END_CHARS:
        indexes: Iterable[int] = [*range(END_CHARS), -1, *range(count - END_CHARS, count)]
    else:
        indexes = range(min(count, PAGE_CHARS))
    get_unicode, get_box = raw.FPDFText_GetUnicode, raw.FPDFText_GetLooseCharBox
    rect = raw.FS_RECTF()
    box = ctypes.byref(rect)
    lines: list[Line] = []
    chars: list[str] = []
    sizes: list[float] = []
    highest = lowest = 0.0
    for i in indexes:
        char = "\n" if i < 0 else chr(get_unicode(handle, i))
        if char == "\n" or char == "\r":
            if sizes:
                _add(lines, chars, sizes, highest, lowest, height)
                if limit and len(lines) >= limit:
                    return lines
            chars, sizes = [], []
            continue
        chars.append(char)
        if not char.isspace():
            if not get_box(handle, i, box):
                return []  # PDFium cannot place the character: the page is damaged
            top = rect.top
            sizes.append(top - rect.bottom)
            if len(sizes) == 1:
                highest = lowest = top
            elif top > highest:
                highest = top
            elif top < lowest:
                lowest = top
    if sizes:
        _add(lines, chars, sizes, highest, lowest, height)
    return lines


def _add(lines: list[Line], chars: list[str], sizes: list[float], highest: float, lowest: float, height: float) -> None:
    """A line of the page: its median letter height (to 0.1 pt) and how far
    from the top its highest letter stands.

    Rounding keeps the order of values, so the median of rounded heights is
    the rounding of the middle ones, and the highest letter is the one
    nearest the top (or the lowest, on a page drawn upside down)."""
    text = clean_line("".join(chars))
    if not text:
        return
    sizes.sort()
    middle = len(sizes) // 2
    size = round(sizes[middle], 1) if len(sizes) % 2 else (round(sizes[middle - 1], 1) + round(sizes[middle], 1)) / 2
    top = min(_share_from_top(highest, height), _share_from_top(lowest, height))
    lines.append(Line(text, float(size), round(top, 3)))


def _share_from_top(top: float, height: float) -> float:
    return max(0.0, min(1.0, (height - top) / height))
