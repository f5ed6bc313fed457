"""Is this text made of words? The share of its words found in a French and
English word list (``docsearch/data/words.txt.gz``: 185,000 folded words
taken from the word lists of Tesseract's ``fra`` and ``eng`` models,
Apache-2.0). A PDF whose font maps glyphs to the wrong characters yields
text where almost no word is in the list."""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import lru_cache

from docsearch.config import PACKAGE_DATA

# Latin-script words only: the list cannot judge Cyrillic, Greek or CJK text.
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]{3,}")
_ANY_WORD = re.compile(r"[^\W\d_]{3,}")
# Control characters other than tab, line feed, form feed and carriage return.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


@lru_cache(maxsize=1)
def word_list() -> frozenset[str]:
    with gzip.open(PACKAGE_DATA / "words.txt.gz", "rt", encoding="ascii") as handle:
        return frozenset(handle.read().split())


# Folded words, cached: the words of a document repeat (a page's 400 words
# are ~150 distinct ones), and folding was most of the garbage check, which
# reads every page of every PDF (bench/extract_cost.py).
@lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def dictionary_share(text: str) -> tuple[float, int]:
    """(share of the words of 3 letters or more that are in the list, how many words)."""
    words = _WORD.findall(text)
    if not words:
        return 0.0, 0
    known = word_list()
    found = sum(1 for word in words if _fold(word) in known)
    return found / len(words), len(words)


def looks_like_garbage(text: str) -> bool:
    """Enough words to judge, and few of them real: a broken font encoding."""
    share, count = dictionary_share(text)
    if count < 8 or count < len(_ANY_WORD.findall(text)) / 2:  # too few words, or another script
        controls = len(_CONTROLS.findall(text))
        return controls > 20 and controls > len(text) // 20
    return share < 0.35
