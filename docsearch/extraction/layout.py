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
from dataclasses import dataclass
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
    wanted = {key for line in first if (key := _key(line.text))}
    margins = [keys for i in range(1, min(count, 1 + HEADER_PAGES))
               if (keys := _margin_sizes(pages.textpage(i), wanted)) is not None]
    return [_mark(line, margins) for line in first]


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


def _margin_sizes(loaded: tuple[Any, float] | None, wanted: set[str]) -> dict[str, float] | None:
    """The size of each line of page 1 (by key, among ``wanted``) that this
    page shows where a running header or footer stands: among its first or
    last ``END_LINES`` lines, or in its top or bottom ``MARGIN``. None when
    the page has no line.

    Only lines whose key is one of page 1's are measured (their letters'
    boxes read): the others cannot mark a line of page 1, and measuring all
    the lines read on the next five pages cost as much as page 1 itself."""
    read = _read_lines(loaded, ends_only=True)
    if read is None or not read.lines:
        return None
    count = len(read.lines)
    keys = [_key(text) for text, _ in read.lines]
    measured: dict[int, Line | None] = {}

    def measure(index: int) -> Line | None:
        if index not in measured:
            measured[index] = read.measure(index)
        return measured[index]

    sizes: dict[str, float] = {}
    # In the order of the chosen lines before (the first and last ones, then
    # those in the margins): a later line of the same key wins.
    for index in [*range(min(END_LINES, count)), *range(max(0, count - END_LINES), count)]:
        if keys[index] in wanted and (line := measure(index)) is not None:
            sizes[keys[index]] = line.size
    for index, key in enumerate(keys):
        if key in wanted and (line := measure(index)) is not None and (line.top < MARGIN or line.top > 1 - MARGIN):
            sizes[key] = line.size
    if None in measured.values():
        return None  # PDFium could not place a letter: a damaged page has no line
    return sizes


def _key(text: str) -> str:
    """Page numbers and dates vary from page to page: compared without digits."""
    decomposed = unicodedata.normalize("NFKD", _DIGITS.sub("", text).lower())
    return " ".join("".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c)).split())


def _same_size(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_SIZE * max(a, b, 1.0)


def _page_lines(loaded: tuple[Any, float] | None, limit: int = 0) -> list[Line]:
    """The page's first ``limit`` lines (all with 0) in PDFium's reading
    order, measured; a damaged page has none."""
    read = _read_lines(loaded, limit=limit)
    if read is None:
        return []
    lines = [read.measure(i) for i in range(len(read.lines))]
    return [] if None in lines else [line for line in lines if line is not None]


@dataclass
class _ReadLines:
    """A page's lines as text, with the indexes of their letters to measure."""

    handle: Any  # the raw PDFium text page
    height: float
    lines: list[tuple[str, list[int]]]  # cleaned text, indexes of its non-space characters

    def measure(self, index: int) -> Line | None:
        """The line with its median letter height (to 0.1 pt) and how far from
        the top its highest letter stands; None when PDFium cannot place a letter.

        Rounding keeps the order of values, so the median of rounded heights
        is the rounding of the middle ones, and the highest letter is the one
        nearest the top (the lowest, on a page drawn upside down)."""
        import pypdfium2.raw as raw

        text, letters = self.lines[index]
        get_box = raw.FPDFText_GetLooseCharBox
        rect = raw.FS_RECTF()
        box = ctypes.byref(rect)
        handle = self.handle
        sizes: list[float] = []
        highest = lowest = 0.0
        for i in letters:
            if not get_box(handle, i, box):
                return None
            top = rect.top
            sizes.append(top - rect.bottom)
            if len(sizes) == 1:
                highest = lowest = top
            elif top > highest:
                highest = top
            elif top < lowest:
                lowest = top
        sizes.sort()
        middle = len(sizes) // 2
        size = round(sizes[middle], 1) if len(sizes) % 2 else (round(sizes[middle - 1], 1) + round(sizes[middle], 1)) / 2
        share = min(_share_from_top(highest, self.height), _share_from_top(lowest, self.height))
        return Line(text, float(size), round(share, 3))


def _read_lines(loaded: tuple[Any, float] | None, ends_only: bool = False, limit: int = 0) -> _ReadLines | None:
    """The page's lines of text in PDFium's reading order (with ``ends_only``,
    those of its first and last characters; with ``limit``, the first
    ``limit``), not yet measured; None for a damaged page.

    A box is read only for the lines wanted, on the raw handle: the helpers
    of pypdfium2 (a new rectangle and a checked wrapper per call), a box and
    a ``round`` for every character took 14 ms of the 20 ms a generated PDF
    cost to read (bench/extract_cost.py, 300 generated PDFs)."""
    if loaded is None:
        return None
    import pypdfium2.raw as raw

    textpage, height = loaded
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    if count < 0:
        return None
    if ends_only and count > 2 * END_CHARS:
        spans = [(0, END_CHARS), (count - END_CHARS, END_CHARS)]
    else:
        spans = [(0, min(count, PAGE_CHARS))]
    lines: list[tuple[str, list[int]]] = []
    chars: list[str] = []
    letters: list[int] = []
    for start, length in spans:
        for i, char in enumerate(_characters(textpage, start, length), start):
            if char == "\n" or char == "\r":
                if letters and (text := clean_line("".join(chars))):
                    lines.append((text, letters))
                    if limit and len(lines) >= limit:
                        return _ReadLines(handle, height, lines)
                chars, letters = [], []
                continue
            chars.append(char)
            if not char.isspace():
                letters.append(i)
        # The two ends of a page never share a line.
        if letters and (text := clean_line("".join(chars))):
            lines.append((text, letters))
            if limit and len(lines) >= limit:
                break
        chars, letters = [], []
    return _ReadLines(handle, height, lines)


def _characters(textpage: Any, start: int, length: int) -> str | list[str]:
    """Characters ``start`` to ``start + length`` of the page, one per index.

    In one call (``get_text_range``) when its text has one character per
    index, as on 1,333 of the 1,351 first six pages of the real-world,
    sample, test and 300 generated PDFs; there it differs from the
    characters one by one only in writing U+FFFE for the \\x02 that marks a
    hyphen at a line break, which clean_line drops either way and neither
    is a space. Otherwise (a character PDFium leaves out of the text), one
    call per character: reading them one by one took 2.3 of the 4 ms the
    sized lines of a generated PDF cost."""
    if length <= 0:
        return ""
    text = textpage.get_text_range(start, length)
    if len(text) == length:
        return str(text)
    import pypdfium2.raw as raw

    get_unicode, handle = raw.FPDFText_GetUnicode, textpage.raw
    return [chr(get_unicode(handle, i)) for i in range(start, start + length)]


def _share_from_top(top: float, height: float) -> float:
    return max(0.0, min(1.0, (height - top) / height))
