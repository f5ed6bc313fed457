"""A résumé from the first page's own prose: no contact lines, no repeated title.

``summary_from_text`` drops the lines a visitor does not want to read as a
summary — phones, e-mail and web addresses, postal addresses, "Tél.",
"Siège social", page numbers — and the lines that only repeat the title,
starts at the first line of prose (a cover's dates and banners are no
résumé) and keeps the first ``LIMIT`` characters, cut on a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docsearch.text import clean_line, fold_key

LIMIT = 300
PAGES = 3
_CONTENTS = re.compile(r"\btable des mati[èe]res\b|^\W*sommaire\b", re.I | re.M)
_PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d\d){4}(?!\d)|\+\d{2,3}(?:[\s.-]?\d{1,4}){3,5}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+\.(?:fr|org|com|net|eu|ch|be|gouv\.fr)(?:/\S*)?\b", re.I)
# Words that open a contact or legal line: "Tél. :", "Fax", "Siège social :", "SIRET"…
_CONTACT_WORDS = re.compile(
    r"^\W*(?:t[ée]l(?:[ée]phone)?\b|fax\b|portable\b|mobile\b|courriel\b|e-?mail\b|mail\b|contact\b|site\b|web\b|"
    r"si[èe]ge(?:\s+social)?\b|adresse\b|siret\b|siren\b|ape\b|naf\b|rna\b|n°\s*(?:siret|tva)|bp\s*\d|cs\s*\d|cedex\b)",
    re.I,
)
# A postal address, on a short line: "12 rue des Halles", "Av. de Morges 63",
# "76000 Rouen", "1004 Lausanne", "BP 12", "CEDEX".
_ADDRESS = re.compile(
    r"^\W*(?:\d{1,4}(?:\s*(?:bis|ter))?,?\s+)?(?:rue|avenue|av\.|bd|boulevard|place|chemin|all[ée]e|impasse|quai|route|"
    r"cours|square|passage|parvis|esplanade|rond-point|faubourg)\s|(?<!\d)(?:CH-|F-)?\d{4,5}\s+[A-ZÀ-Ý][\w'’-]+|\bcedex\b",
    re.I,
)
ADDRESS_MAX_WORDS = 10
# A line that keeps fewer words than this once its phones, e-mails and
# addresses are taken out was a contact line; a longer one is prose that
# cites an address, kept without it.
PROSE_MIN_WORDS = 5
# A table of contents' dotted leaders: "1.1 Le partage des données . . . . 4".
# Only searched: four dots are there whenever more are, and this form starts with a literal,
# which the regex engine scans for ten times faster (47 → 4.5 µs a 1,500-character line).
_LEADERS = re.compile(r"\.\s?\.\s?\.\s?\.|……")
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s+)?\d{1,4}(?:\s*(?:/|sur|of)\s*\d{1,4})?\W*$", re.I)


def summary_from_text(pages: list[str], title: str, limit: int = LIMIT) -> str:
    """From the first line of prose of the first ``PAGES`` pages: a cover's
    dates and banners ("Etalab 27/05/2024") and a table of contents are no résumé."""
    kept: list[str] = []
    title_key = fold_key(title)
    for page in pages[:PAGES]:
        if _CONTENTS.search(page[:400]):
            continue
        kept = _from_prose((shown for line in page.split("\n") if (shown := _readable(clean_line(line), title_key))),
                           title, limit)
        if kept:
            break
    text = _without_title(" ".join(kept), title)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _from_prose(lines: Iterator[str], title: str, limit: int) -> list[str]:
    """The readable lines from the first line of prose on, [] when there is none.

    Read only as far as the résumé needs: once the lines kept hold more words
    than the title and more than ``limit`` characters without it, the résumé
    is their start, whatever follows (a prefix of whole lines gives a prefix
    of the text). A 36 KB web page was read whole for 300 characters: with
    the tests of _without_contacts, summary_from_text went from 5.3 to 0.5 ms
    per document on 2,000 web pages, 1.75 to 0.25 ms on 2,000 PDFs
    (bench/guesses.py)."""
    line = next(lines, None)
    while line is not None:
        following = next(lines, None)
        if _prose(line, following or ""):
            kept = [line]
            while following is not None and not _enough(kept, title, limit):
                kept.append(following)
                following = next(lines, None)
            return kept
        line = following
    return []


def _enough(kept: list[str], title: str, limit: int) -> bool:
    if sum(len(line) + 1 for line in kept) <= limit:  # the joined lines are no longer than that
        return False
    joined = " ".join(kept)
    return len(joined.split()) > len(title.split()) and len(_without_title(joined, title)) > limit


def is_contact_line(line: str) -> bool:
    """A line that tells how to reach someone: a phone, an address, an e-mail…"""
    return _readable(clean_line(line), "") == "" and bool(clean_line(line))


def _prose(line: str, following: str) -> bool:
    """A line of sentences, not a heading, a letterhead or a banner in capitals;
    a short line whose sentence goes on below ("Le programme Investigation,
    entièrement / financé par l'ANCT…") is one too."""
    if line.isupper():
        return False
    return len(line.split()) >= PROSE_MIN_WORDS + 1 or (len(line.split()) >= 3 and following[:1].islower())


def _readable(line: str, title_key: str) -> str:
    """The line as a résumé may show it, or "" when it is not for reading
    (``title_key``: the folded title, folded once per document, not per line)."""
    if not line or _PAGE_NUMBER.match(line) or _LEADERS.search(line):
        return ""
    # A contact word opens a contact line when the line is short or the word
    # labels a value ("Site : …"); "Site classé, le château…" is prose.
    short = len(line.split()) <= ADDRESS_MAX_WORDS
    opening = _CONTACT_WORDS.match(line)
    if opening and (short or line[opening.end():].lstrip().startswith((":", "."))):
        return ""
    if short and _ADDRESS.search(line):
        return ""
    stripped = clean_line(_without_contacts(line))
    if stripped != line and len(stripped.split()) < PROSE_MIN_WORDS:
        return ""
    key = fold_key(stripped)
    # A line of the title ("Rapport d'activité 2008" under "ARDESS Haute-Normandie —
    # Rapport d'activité 2008"): the visitor has just read it.
    if key and title_key and f" {key} " in f" {title_key} ":
        return ""
    return stripped


def _without_contacts(line: str) -> str:
    """``line`` without its phones, e-mails and web addresses.

    Each pattern is run only when the line holds what any of its matches must hold
    (a "0" or a "+", an "@", "http", "www." or a dotted domain's ending): a web page's
    paragraph is one line of 1,500 characters, which the three patterns took 430 µs to
    scan; with them, 60 µs."""
    if "0" in line or "+" in line:
        line = _PHONE.sub(" ", line)
    if "@" in line:
        line = _EMAIL.sub(" ", line)
    lowered = line.lower()  # _URL ignores case; its letters (h, t, p, w, f, r, o, g…) fold to themselves alone
    if "http" in lowered or "www." in lowered or any(ending in lowered for ending in _URL_ENDINGS):
        line = _URL.sub(" ", line)
    return line


_URL_ENDINGS = (".fr", ".org", ".com", ".net", ".eu", ".ch", ".be", ".gouv")


def _without_title(text: str, title: str) -> str:
    """``text`` without the title at its start, however its lines were broken."""
    if not title:
        return text
    words, title_words = text.split(), title.split()
    if [fold_key(w) for w in words[:len(title_words)]] == [fold_key(w) for w in title_words]:
        return " ".join(words[len(title_words):]).lstrip(" .:-—")
    return text
