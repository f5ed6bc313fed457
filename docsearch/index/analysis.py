"""French text analysis, identical for documents and queries.

Pipeline: words (``\\w+``, so elided "l'économie" yields "l" + "économie")
→ ``FoldFilter`` (NFKC, lower case, accents folded *before* stemming so that
"activites" and "activités" share a stem) → French stop words, folded, with
the elided particles (l, d, qu, jusqu…) → French Snowball stemmer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Protocol

from whoosh.analysis import Token, Tokenizer
from whoosh.analysis.analyzers import Analyzer
from whoosh.lang import stemmer_for_language

from docsearch.text import fold

# Snowball's French list, plus forms Whoosh's list lacks (les, cette, a…),
# elided particles and question words, which carry no topic.
_STOP_WORDS = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton
tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants étantes
suis es est sommes êtes sont serai seras sera serons serez seront serais serait serions seriez
seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez
soient fusse fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai
as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient
avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse
eusses eût eussions eussiez eussent a cette cet ceci cela ça celui celle ceux celles dont où
si sans sous entre vers chez donc or ni car aussi très plus moins tout tous toute toutes
jusqu lorsqu puisqu quoiqu quelqu presqu
quel quelle quels quelles combien comment pourquoi quand lequel laquelle lesquels lesquelles
est-ce
"""
STOP_WORDS = frozenset(fold(w) for w in _STOP_WORDS.split())

# Chinese and Japanese are written without spaces: each ideograph or kana is
# a token of its own, so that a phrase inside a run of text still matches.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD_PATTERN = rf"[{CJK}]|[^\W{CJK}]+"
WORD = re.compile(WORD_PATTERN)


class FrenchTokenizer(Tokenizer):
    """Words → folded → without stop words → stemmed, in one pass.

    The same result as ``RegexTokenizer(WORD_PATTERN) | FoldFilter() |
    StopFilter(...) | StemFilter(lang="fr")`` (positions renumbered over the
    stop words as StopFilter does), without a generator per filter: analysis
    is most of the indexing time.
    """

    def __init__(self, stem: bool = True, minsize: int = 1) -> None:
        self.stem, self.minsize = stem, minsize

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches: Iterable[_Match] = WORD.finditer(value) if tokenize else [_Whole(value)]
        pos = None
        for index, match in enumerate(matches):
            folded = _fold_word(match.group())
            if folded in STOP_WORDS or len(folded) < self.minsize:
                if not removestops:  # kept for the query parser, marked as a stop word
                    self._fill(token, match, folded, folded, start_pos + index, start_char, keeporiginal)
                    token.stopped = True
                    yield token
                continue
            pos = start_pos + index if pos is None else pos + 1
            self._fill(token, match, folded, stem(folded) if self.stem else folded, pos, start_char, keeporiginal)
            token.stopped = False
            yield token

    @staticmethod
    def _fill(token: Token, match: _Match, folded: str, text: str, pos: int, start_char: int, keeporiginal: bool) -> None:
        token.text, token.boost = text, 1.0
        if keeporiginal:
            token.original = match.group()
        if token.positions:
            token.pos = pos
        if token.chars:
            token.startchar, token.endchar = start_char + match.start(), start_char + match.end()


class _Match(Protocol):
    """What the tokenizer reads of a word: a ``re.Match`` or ``_Whole``."""

    def group(self) -> str: ...

    def start(self) -> int: ...

    def end(self) -> int: ...


class _Whole:
    """The whole value as one "match" (tokenize=False)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def group(self) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    return fold(unicodedata.normalize("NFKC", word))


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> tuple[str, str] | None:
    """One word as the analyzer sees it: (folded, index term), None for a stop word."""
    folded = _fold_word(word)
    if not folded or folded in STOP_WORDS:
        return None
    return folded, stem(folded)


def french_analyzer() -> Analyzer:
    """The analyzer of every full-text field (documents and queries)."""
    return FrenchTokenizer(stem=True, minsize=1)


def words_analyzer() -> Analyzer:
    """Folded words, not stemmed: what a ``prefix*`` is matched against."""
    return FrenchTokenizer(stem=False, minsize=2)


_french_stem: Callable[[str], str] = stemmer_for_language("fr")  # Whoosh is untyped: a Snowball stem function


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The index term of one folded word (what ``StemFilter(lang="fr")`` gives)."""
    return _french_stem(word)


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, in order (for tests and diagnostics)."""
    return [t.text for t in french_analyzer()(text)]
