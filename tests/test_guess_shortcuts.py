"""The shortcuts that make the catalogue's guesses cheaper give the answers of the long way.

Each test compares a fast path with what its rule says, on texts built to reach
the edge the shortcut relies on (bench/guesses.py measures the gain).
"""

from __future__ import annotations

import unicodedata

from docsearch.catalogue.summaries import summary_from_text
from docsearch.catalogue.vocabulary import Entry, Vocabulary
from docsearch.extraction.caps import Caps, cap
from docsearch.extraction.extracted import Extracted
from docsearch.text import fold_key, strip_accents


def _by_hand(text: str) -> str:
    """strip_accents as its docstring says it: letter folds, NFKD, no combining mark."""
    folds = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
             "đ": "d", "Đ": "D"}
    decomposed = unicodedata.normalize("NFKD", "".join(folds.get(c, c) for c in text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_accents_go_from_long_texts_with_emoji_and_rare_marks_as_from_each_letter() -> None:
    text = ("Économie sociale et solidaire : cœur, Œuvre, straße, Łódź, Đakovo, ẞ, "
            "q̃ (combining tilde), 𝐀𝐁 (math letters), 😀, \U0001d165\U0001d166 (musical marks), x\u20d7 ") * 20
    assert len(text) > 40  # the long-text path, not the per-word cache
    assert strip_accents(text) == _by_hand(text)
    assert strip_accents(text[:30]) == _by_hand(text[:30])
    assert fold_key("Cœur  d'Économie—SOLIDAIRE_2024") == "coeur d economie solidaire 2024"


def _vocab(keywords: tuple[str, ...]) -> Vocabulary:
    return Vocabulary(sectors={"habitat": Entry("habitat", "Habitat", keywords=keywords)}, doctypes={}, digest="t")


def test_sector_keywords_count_whole_words_and_overlapping_phrases_once() -> None:
    vocab = _vocab(("logement", "habitat participatif", "HLM", "participatif"))
    # "logements" is not "logement"; "habitat participatif" counts once, not also as "participatif";
    # "HLMs" is not the acronym.
    assert vocab.infer_sectors("logements, habitat participatif, HLMs") == []
    assert vocab.infer_sectors("Logement ; logement-passerelle, HLM, habitat participatif") == ["habitat"]
    assert vocab.infer_sectors("un habitat participatif", strong_text="") == []
    assert vocab.infer_sectors("", strong_text="Le logement") == ["habitat"]  # a title counts five times


def test_a_long_page_summary_is_its_first_prose_whatever_follows() -> None:
    prose = ("Le garage solidaire du Cotentin répare les voitures des personnes en insertion, "
             "à prix solidaire, depuis 2009, avec des mécaniciens salariés en parcours. ")
    page = "\n".join(["Garage solidaire", "Tél. 02 33 00 00 00", prose * 3, "contact@garage.fr", prose * 200])
    short = "\n".join(["Garage solidaire", "Tél. 02 33 00 00 00", prose * 3])
    summary = summary_from_text([page], "Garage solidaire")
    assert summary == summary_from_text([short], "Garage solidaire")
    assert summary.startswith("Le garage solidaire du Cotentin") and summary.endswith(" …") and len(summary) <= 302


def test_a_document_within_the_distinct_words_cap_is_kept_whole_and_one_beyond_is_cut() -> None:
    words = [f"mot{n}" for n in range(120)]
    within = Extracted(format="pdf", pages=[" ".join(words[:60]), " ".join(w.upper() for w in words[:60])])
    kept, warnings = cap(within, Caps(distinct_words=60))
    assert kept is within and warnings == []  # MOT1 and mot1 are one word
    beyond = Extracted(format="pdf", pages=[" ".join(words[:60]), " ".join(words[50:120])])
    kept, warnings = cap(beyond, Caps(distinct_words=100))
    assert len({w.lower() for page in kept.pages for w in page.split()}) == 100
    assert warnings == ["document tronqué : seuls ses 100 premiers mots distincts sont indexés"]
