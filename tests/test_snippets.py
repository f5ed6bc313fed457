"""Snippets: the passages around the words, escaped, every matching word marked."""

from __future__ import annotations

from pathlib import Path

from docsearch.extraction import extract_file
from docsearch.index.analysis import WORD, word_terms
from docsearch.index.engine.snippets import matching_words, snippet_html

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def terms_of(*words: str) -> list[str]:
    return [t[1] for w in words if (t := word_terms(w)) is not None]


def test_words_found_by_their_beginning_are_every_word_with_the_term() -> None:
    # The fast path finds exactly what analysing every word of the page finds.
    pages = [page for path in sorted(CORPUS.rglob("*.pdf"))[:15] for page in extract_file(str(path), 10**8).pages]
    pages.append("Œuvres sociales, ŒUVRE, cœur, Économie, ÉCONOMIQUES, déchets, Ça, garçon, straße, 中文 données")
    pages.append("données中文économie文化sociales")  # ideographs glued to Latin words
    pages.append("Ёлка и йогурт, ÁNH SÁNG ạ ắ, Άθηνα ώρα")  # Cyrillic, Vietnamese, Greek accents
    vocabulary = sorted({t[1] for page in pages for w in WORD.findall(page) if (t := word_terms(w))})
    for n, start in enumerate(range(0, len(vocabulary), 7)):
        terms = tuple(vocabulary[start:start + 3 + n % 4])
        for page in pages:
            everything = [m.span() for m in WORD.finditer(page) if (t := word_terms(m.group())) and t[1] in terms]
            fast = [(start, end) for start, end, _ in matching_words(page, list(terms))]
            assert fast == everything, (terms, page[:80])


def test_snippet_marks_words_whatever_their_accents_case_and_ligatures() -> None:
    html = snippet_html("Les ŒUVRES sociales et l'Économie solidaire <b>locale</b>.", terms_of("oeuvre", "economie"))
    assert '<mark class="match term0">ŒUVRES</mark>' in html
    assert '<mark class="match term1">Économie</mark>' in html
    assert "&lt;b&gt;locale&lt;/b&gt;" in html and "<b>" not in html


def test_snippet_shows_the_passage_with_most_words_and_no_text_twice() -> None:
    text = "Le compostage collectif. " * 3 + "Sans rapport. " * 60 + "Le compostage partagé et l'économie circulaire."
    html = snippet_html(text, terms_of("compostage", "économie"))
    assert "économie</mark> circulaire" in html
    passages = html.split(" … ")
    assert len(passages) == 2 and passages[0].count("compostage</mark>") == 3
    assert len(set(passages)) == 2
