"""Text normalisation shared by extraction, metadata and analysis.

- ``clean_text``: what an extracted page becomes (NFKC, ligatures expanded,
  soft hyphens dropped, words hyphenated across lines rejoined, whitespace
  normalised).
- ``fold``: the comparison key of a word or phrase (lower case, no accents,
  œ → oe), used by the analyzer and the vocabulary alike.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# NFKC already expands ﬁ/ﬂ/ﬀ…; these letters are not decomposed by it.
_LETTER_FOLDS = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O",
                               "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"})
# Soft hyphens and zero-width marks; PDFium writes a hyphen that splits a
# word across lines as U+FFFE (or \x02) and joins the lines itself.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffe\x02]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# "éco-\nnomie" → "économie"; a capital after the break ("Saint-\nÉtienne")
# is a real compound and keeps its hyphen.
# Both start at the hyphen and look back for the letter, so the engine jumps
# from hyphen to hyphen: (\w)- tried a letter at every position, 23 of the
# 30 ms that clean_text cost on 30 reports of 47,000 characters.
_HYPHEN_BREAK = re.compile(r"-(?<=\w-)[ \t]*\n[ \t]*(?=[a-zà-ÿœæ])")
_COMPOUND_BREAK = re.compile(r"-(?<=\w-)[ \t]*\n[ \t]*(?=\w)")
# Runs of spaces other than one plain space (which would be replaced by
# itself): one of the other spaces (every character str.isspace() knows but
# space and line feed, tests/test_text_spaces.py) and what follows it, or a
# space and more. The same text as [^\S\n]+ in two thirds of the time (that one
# matched every gap between two words).
OTHER_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACES = re.compile(f"[{OTHER_SPACES}][^\\S\\n]*| [^\\S\\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")


def clean_text(text: str) -> str:
    """Normalise extracted text while keeping its line structure."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _HYPHEN_BREAK.sub("", text)
    text = _COMPOUND_BREAK.sub("-", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def clean_line(text: str) -> str:
    """A metadata value on one line: normalised, no control characters."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text).replace("\x00", "")
    return " ".join(text.split())


def strip_accents(text: str) -> str:
    """Remove diacritics, keep case: "Économie" → "Economie"."""
    # Words repeat and are worth caching; long texts would only fill the cache.
    return _strip_word(text) if len(text) <= 40 else _strip(text)


def _strip(text: str) -> str:
    if _FOLDED_LETTERS.search(text):
        text = _FOLDED_LETTERS.sub(lambda match: _LETTER_FOLDS_BY_CHAR[match.group()], text)
    decomposed = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if _ASTRAL.search(decomposed):  # beyond the class below (an emoji, a math letter): one at a time
        return _ASTRAL.sub(_astral_mark, decomposed)
    return decomposed


def _astral_mark(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


# The letters of _LETTER_FOLDS and every combining mark of the Basic Multilingual Plane,
# replaced and deleted by regexes: str.translate with a dict costs some 200 ns a character,
# a regex scan of a character class 15 (a 300,000-character text: strip_accents 154 → 18 ms).
# Only the Plane: a class of every plane's marks scans 40 times slower (63 ms vs 1.4 ms).
_LETTER_FOLDS_BY_CHAR = {chr(code): value for code, value in _LETTER_FOLDS.items()}
_FOLDED_LETTERS = re.compile("[" + "".join(_LETTER_FOLDS_BY_CHAR) + "]")


def _ranges(codes: list[int]) -> str:
    """A regex character class's body for ``codes`` (sorted), as ranges."""
    parts, start = [], 0
    for index, code in enumerate(codes):
        if index + 1 == len(codes) or codes[index + 1] != code + 1:
            first = codes[start]
            parts.append(re.escape(chr(first)) + (f"-{re.escape(chr(code))}" if code != first else ""))
            start = index + 1
    return "".join(parts)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_COMBINING = re.compile("[" + _ranges([code for code in range(0x10000) if unicodedata.combining(chr(code))]) + "]")


_strip_word = lru_cache(maxsize=200_000)(_strip)


def fold(text: str) -> str:
    """Comparison key: lower case, no accents, typographic apostrophes unified."""
    return strip_accents(text.replace("’", "'").replace("ʼ", "'")).lower()


_NON_WORD = re.compile(r"[\W_]+")


def fold_key(text: str) -> str:
    """Loose key for vocabulary lookups: "Commerce-Équitable" → "commerce equitable"."""
    return _NON_WORD.sub(" ", fold(text)).strip()
