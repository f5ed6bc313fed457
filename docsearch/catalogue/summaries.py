"""A résumé from the first page's own prose: no contact lines, no repeated title.

``summary_from_text`` drops the lines a visitor does not want to read as a
summary — phones, e-mail and web addresses, postal addresses, "Tél.",
"Siège social", page numbers — and the lines that only repeat the title,
starts at the first line of prose (a cover's dates and banners are no
résumé) and keeps the first ``LIMIT`` characters, cut on a word.
"""

from __future__ import annotations

import re

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
_LEADERS = re.compile(r"(?:\.\s?){4,}|…{2,}")
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s+)?\d{1,4}(?:\s*(?:/|sur|of)\s*\d{1,4})?\W*$", re.I)


def summary_from_text(pages: list[str], title: str, limit: int = LIMIT) -> str:
    """From the first line of prose of the first ``PAGES`` pages: a cover's
    dates and banners ("Etalab 27/05/2024") and a table of contents are no résumé."""
    kept: list[str] = []
    for page in pages[:PAGES]:
        if _CONTENTS.search(page[:400]):
            continue
        kept = [shown for line in page.split("\n") if (shown := _readable(clean_line(line), title))]
        start = next((i for i, line in enumerate(kept) if _prose(line, kept[i + 1] if i + 1 < len(kept) else "")), None)
        if start is not None:
            kept = kept[start:]
            break
        kept = []
    text = _without_title(" ".join(kept), title)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


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


def _readable(line: str, title: str) -> str:
    """The line as a résumé may show it, or "" when it is not for reading."""
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
    stripped = clean_line(_URL.sub(" ", _EMAIL.sub(" ", _PHONE.sub(" ", line))))
    if stripped != line and len(stripped.split()) < PROSE_MIN_WORDS:
        return ""
    key, title_key = fold_key(stripped), fold_key(title)
    # A line of the title ("Rapport d'activité 2008" under "ARDESS Haute-Normandie —
    # Rapport d'activité 2008"): the visitor has just read it.
    if key and title_key and f" {key} " in f" {title_key} ":
        return ""
    return stripped


def _without_title(text: str, title: str) -> str:
    """``text`` without the title at its start, however its lines were broken."""
    if not title:
        return text
    words, title_words = text.split(), title.split()
    if [fold_key(w) for w in words[:len(title_words)]] == [fold_key(w) for w in title_words]:
        return " ".join(words[len(title_words):]).lstrip(" .:-—")
    return text
