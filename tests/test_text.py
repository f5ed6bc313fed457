import pytest

from docsearch.text import clean_text, fold, fold_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("l'éco-\nnomie sociale", "l'économie sociale"),  # word hyphenated across a line
        ("Saint-\nÉtienne", "Saint-Étienne"),  # a capital after the break: a real compound
        ("ﬁnancement ﬂux", "financement flux"),  # ligatures expanded by NFKC
        ("e\u0301conomie", "économie"),  # combining accent composed
        ("mot\u00adcoupé", "motcoupé"),  # soft hyphen dropped
        ("a  \t b\n\n\n\nc", "a b\n\nc"),  # whitespace normalised, paragraphs kept
        ("x\x00y", "x y"),  # control characters removed
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_fold_removes_case_accents_and_ligatures() -> None:
    assert fold("Œuvre ÉCONOMIE d’Insertion") == "oeuvre economie d'insertion"


def test_fold_key_ignores_punctuation() -> None:
    assert fold_key("Commerce-Équitable") == fold_key("commerce équitable") == "commerce equitable"
