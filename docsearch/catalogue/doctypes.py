"""Guess a document's type from what it shows: words, page shape, fields, tables.

``infer_doctype`` weighs cues and returns the best type with the origin of
its strongest cue ("format", "embedded", "path" or "text"), or None when
nothing speaks (the caller files it under "autre"). Folder names and staff
values are read before it, in ``metadata.resolve_metadata``.

Every cue below says what it looks at and what it did on the labelled
documents of ``bench/labels`` (realworld-fr: 71 real French documents; sample:
the 51 of the sample corpus), measured with ``bench/metadata.py`` when it was
added. Weights: a format that is a type (a spreadsheet, a slide deck) 100; a
phrase naming the type in the title or first lines, or a layout that only one
type has, 10; a page-web default 7; a word of the file name 6 (who saved the
file chose it loosely: "guide-outils…" is a study that says "Étude"); a phrase
of the body 5. Scores add up per type; a tie goes to the cue seen first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from docsearch.catalogue.vocabulary import OTHER_TYPE, WEB_TYPE, Vocabulary
from docsearch.extraction import Extracted
from docsearch.text import fold_key

# The reader's kind is the type for these, whatever the words say: a
# spreadsheet is a list or a table of data, a slide deck a presentation.
FORMAT_TYPES: dict[str, tuple[str, int]] = {
    "xlsx": ("liste-donnees", 100), "xls": ("liste-donnees", 100), "ods": ("liste-donnees", 100),
    "csv": ("liste-donnees", 100),
    "pptx": ("presentation", 100), "ppt": ("presentation", 100), "odp": ("presentation", 100),
    # A saved page is a web page unless its own heading names another type
    # (statutes, a press release published as a page): 7, under a heading's 10.
    "html": (WEB_TYPE, 7),
}
HEAD = 10  # a phrase of the title or the first lines
LAYOUT = 10  # a page shape, form fields or tables only one type has
NAME = 6  # a word of the file name
BODY = 5  # a phrase of the first pages
HEAD_CHARS = 600  # the first lines of page 1: "Procès-verbal" comes at 330 under a letterhead
WEB_HEAD_LINES = 3  # "Contents", "Statuts¶": a page's heading, not its article
WEB_HEADING_WORDS = 8
BODY_CHARS = 6000  # the first pages, for body phrases
# "Rapport d'activité", "Fiche secteur" name the document further down page 1
# too (under a letterhead and a slogan: sample corpus, 5 reports).
STRONG_CHARS = 1500
STRONG_TYPES = ("rapport-activite", "fiche-secteur")
# Beyond the vocabulary's keywords, phrases that need a pattern: anchored at
# the start of the title or of page 1, or excluding a neighbour.
HEAD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "Compte rendu financier de subvention" is a cerfa, not minutes (realworld-fr).
    ("compte-rendu", re.compile(r"\bcompte[\s-]+rendu\b(?!\s+financier)", re.I)),
    # "Bilan 2020-2021 sur la thématique mesure": the bilan of a period is an
    # activity report; "Bilan sur l'écoconception du produit…" (a subject) is not.
    ("rapport-activite", re.compile(r"\bbilan\s+(?:annuel|(?:19|20)\d\d)\b", re.I)),
    # A text of law starts with its kind and number; citing one ("en application
    # du décret n° 2020-293", a form) is not being one.
    ("texte-juridique", re.compile(r"^\W*(?:loi|d[ée]cret|arr[êe]t[ée]|ordonnance|circulaire)\s+(?:n\s*°|no\b|du\b)", re.I)),
    ("liste-donnees", re.compile(r"^\W*(?:liste|tableau|annuaire)\s+des?\b", re.I)),
    # "Modèle de rapport d'audit" is a template to fill in; "Exemple de
    # déclaration" a commented example, a guide (realworld-fr, one each).
    ("formulaire", re.compile(r"^\W*(?:mod[èe]le|gabarit|trame)\s+d[eu']", re.I)),
    ("guide", re.compile(r"^\W*exemples?\s+d[eu']", re.I)),
    # A cerfa number: "N°15059*02".
    ("formulaire", re.compile(r"\bn\s*°\s*\d{5}\s*\*\s*\d{2}\b|\bcerfa\b", re.I)),
)
# Phrases of the first pages (PDF and office files; a web page's body is an
# article about anything). Each counts once per document.
BODY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # A letter: its salutation on a line of its own, its object, its closing.
    ("courrier", re.compile(r"^\s*(?:madame|monsieur)(?:\s*,?\s*(?:madame|monsieur))?(?:\s+l[ea]\s+\w+)?\s*,\s*$", re.I | re.M)),
    ("courrier", re.compile(r"^\s*objet\s*:", re.I | re.M)),
    ("courrier", re.compile(r"\b(?:veuillez|je vous prie d)\W*agr[ée]er\b|salutations distingu", re.I)),
    # Minutes: the agenda, who was there, the closing of the meeting.
    ("compte-rendu", re.compile(r"\bordre du jour\b", re.I)),
    ("compte-rendu", re.compile(r"^\s*(?:pr[ée]sents?|excus[ée]s?|absents?)\b", re.I | re.M)),
    ("compte-rendu", re.compile(r"\bs[ée]ance est lev[ée]e|secr[ée]taire de s[ée]ance", re.I)),
    # Statutes: numbered articles.
    ("statuts", re.compile(r"^\s*art(?:icle|\.)\s*(?:1|1er|premier)\b", re.I | re.M)),
    ("appel-projets", re.compile(
        r"\bdate limite de (?:d[ée]p[ôo]t|r[ée]ponse|candidature)|dossier de candidature|crit[èe]res de s[ée]lection", re.I)),
    ("texte-juridique", re.compile(r"^\s*vu (?:le code|la loi|le d[ée]cret)|^\s*(?:d[ée]cr[èe]te|arr[êe]te)\s*:", re.I | re.M)),
    ("dossier-presse", re.compile(r"\b(?:contacts? presse|relations? presse|attach[ée]e? de presse)\b", re.I)),
    # A form: boxes to tick, fields said obligatory, "Je soussigné(e)".
    ("formulaire", re.compile(r"[☐□❏■▢]|\bcochez\b|\(obligatoire\)|champs?\s+\w+\s+(?:sont|est)\s+obligatoire|je soussign", re.I)),
    # A brochure introduces its body: all 14 brochures of the sample corpus.
    ("plaquette", re.compile(r"\bqui sommes[\s-]nous\b", re.I)),
)
# For each of BODY_PATTERNS, strings (lower case) one of which any match holds: a pattern
# whose needles are all absent from the body is not run. The twelve patterns took 1.3 ms
# a document over 6,000 characters (2,000 PDFs, bench/guesses.py: infer_doctype 2.6 → 1.0 ms
# per document with the needles, 0.5 ms once _table_on_every_page stops at its first prose page).
BODY_NEEDLES: tuple[tuple[str, ...], ...] = (
    ("madame", "monsieur"), ("objet",), ("agr", "salutations distingu"), ("ordre du jour",), ("sent", "excus"),
    ("ance est lev", "taire de s"), ("art",), ("date limite de ", "dossier de candidature", "res de s"),
    ("vu ", "cr", "arr"), ("presse",), ("☐", "□", "❏", "■", "▢", "cochez", "obligatoire", "je soussign"),
    ("qui sommes",),
)
# Under re.IGNORECASE these match i, s and k as well ("İ", "ı", "ſ", and the Kelvin sign).
_CASE_EXTRAS = ("\u0130", "\u0131", "\u017f", "\u212a")
# A label waiting for its value: "Nom du service numérique :", "Date : ……".
_BLANK_FIELD = re.compile(r"^[^\W\d][^:\n]{1,60}:\s*(?:[._…]{3,}\s*)?$|[._…]{8,}", re.M)
BLANK_FIELDS = 3  # 3 to 6 on the four text-layer forms of realworld-fr
FORM_FIELDS = 3  # AcroForm fields: 11 to 264 on its three fillable forms, 0 elsewhere
# Screens are 16:9 (1.78), 16:10 (1.6) or 4:3 (1.33); paper is 1.41 either way
# (A4, A3, A5 landscape). On realworld-fr all four 16:9 files are slide decks,
# and none of the four landscape-paper files is (a guide, a brochure, a table).
SLIDE_RATIOS = ((1.29, 1.37), (1.55, 1.82))
SLIDE_SHARE = 0.8
# A table filling every page: lines that are rows (three words or more,
# mostly capitalised or numbers, no sentence end). The two candidate lists of
# realworld-fr have 0.84 and 0.88 of such lines on their worst page; no other
# labelled PDF has more than 0.42 on average.
ROW_SHARE = 0.6
ROW_PAGE_LINES = 15
# Embedded titles that say which program made the file.
_SPREADSHEET_TITLE = re.compile(r"\.(?:xlsx?|ods|csv)\s*$", re.I)
_SLIDES_TITLE = re.compile(r"^pr[ée]sentation powerpoint$|\.(?:pptx?|odp)\s*$", re.I)
# Without any cue: a short PDF that tells how to reach its body is a
# brochure; a long one is most often a study (realworld-fr: the Pacte
# d'ambition IAE, 122 pages, and a 14-page case study, both "etude").
BROCHURE_MAX_PAGES = 4
STUDY_MIN_PAGES = 10
_CONTACT = re.compile(r"@\w|\bwww\.|https?://|\bt[ée]l\s*[.:]|\b0\d(?:[ .]?\d\d){4}\b|\b\d{5}\s+[A-Z]", re.I)
# "ProcesVerbalAssembleeConsitutive", "ModeDEmploi": words glued in CamelCase.
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-zà-ÿ])")


@dataclass(frozen=True)
class Cue:
    code: str
    weight: int
    origin: str  # "format", "embedded", "path" or "text"
    position: int  # order in which the cues were found: breaks ties


def infer_doctype(relpath: str, title: str, extracted: Extracted, vocab: Vocabulary) -> tuple[str, str] | None:
    """The best-supported type and its origin, or None when no cue speaks."""
    # Only the types the vocabulary has: staff may have dropped one from the data file.
    cues = [cue for cue in _cues(relpath, title, extracted, vocab) if cue.code in vocab.doctypes]
    if not cues:
        fallback = _fallback(extracted)
        return (fallback, "text") if fallback in vocab.doctypes else None
    scores: dict[str, int] = {}
    first: dict[str, Cue] = {}
    for cue in cues:
        scores[cue.code] = scores.get(cue.code, 0) + cue.weight
        best = first.get(cue.code)
        if best is None or cue.weight > best.weight:
            first[cue.code] = cue
    code = max(scores, key=lambda c: (scores[c], -min(q.position for q in cues if q.code == c)))
    return code, first[code].origin


def _cues(relpath: str, title: str, extracted: Extracted, vocab: Vocabulary) -> Iterable[Cue]:
    counter = iter(range(1_000_000))
    web = extracted.format == "html"
    if extracted.format in FORMAT_TYPES:
        code, weight = FORMAT_TYPES[extracted.format]
        yield Cue(code, weight, "format", next(counter))
    first_page = extracted.pages[0] if extracted.pages else ""
    head = "\n".join([title, *_heading_lines(first_page, web)])
    for code, position in _head_matches(head, title, first_page, vocab, web):
        yield Cue(code, HEAD, "text", position)
    embedded_title = extracted.meta.get("title", "").strip()
    if _SPREADSHEET_TITLE.search(embedded_title):
        yield Cue("liste-donnees", HEAD, "embedded", next(counter))
    if _SLIDES_TITLE.search(embedded_title):
        yield Cue("presentation", HEAD, "embedded", next(counter))
    for code in _name_types(PurePosixPath(relpath).stem, vocab):
        if not (web and code == OTHER_TYPE):
            yield Cue(code, NAME, "path", 5_000 + next(counter))
    if web:
        return  # a page's body is an article: only its heading and the format speak
    yield from (Cue(code, LAYOUT, "text", 10_000 + next(counter)) for code in _layout(extracted))
    body = "\n".join(extracted.pages[:2])[:BODY_CHARS]
    lowered = body.lower()
    # Letters that case-insensitive patterns match beyond their own case: with one of them the
    # needles below prove nothing, and every pattern runs.
    exotic = any(letter in body for letter in _CASE_EXTRAS)
    for (code, pattern), needles in zip(BODY_PATTERNS, BODY_NEEDLES, strict=True):
        if (exotic or any(needle in lowered for needle in needles)) and pattern.search(body):
            yield Cue(code, BODY, "text", 20_000 + next(counter))
    if len(_BLANK_FIELD.findall(body)) >= BLANK_FIELDS:
        yield Cue("formulaire", BODY, "text", 20_000 + next(counter))


def _head_matches(head: str, title: str, first_page: str, vocab: Vocabulary, web: bool) -> Iterable[tuple[str, int]]:
    """Types named in the title or first lines, with where they were found."""
    folded = fold_key(head)
    strong: str | None = None  # page 1's head folded once, for every strong type that needs it
    for code, pattern in _keyword_patterns(vocab):
        if web and code == OTHER_TYPE:
            continue  # "Transcription de l'événement…" published as a page is a page
        match = pattern.search(folded)
        if match:
            yield code, match.start()
        elif code in STRONG_TYPES and not web:
            if strong is None:
                strong = fold_key(first_page[:STRONG_CHARS])
            if pattern.search(strong):
                yield code, STRONG_CHARS
    lines = [title.strip(), first_page.lstrip()[:HEAD_CHARS]]
    for code, pattern in HEAD_PATTERNS:
        if web and code in ("formulaire", "liste-donnees"):
            continue
        found = [m.start() for text in lines if (m := pattern.search(text))]
        if found:
            yield code, min(found)


def _heading_lines(first_page: str, web: bool) -> list[str]:
    """The first lines of page 1 that can be headings: not the continuation of
    a sentence ("…dans l'étude de problèmes", a brochure's prose, realworld-fr).
    For a web page, its first three lines of at most eight words: the subject
    line under an article's heading ("Comment saisit-on des champs de
    formulaire ? …", realworld-fr) is prose."""
    lines = [line.strip() for line in first_page[:HEAD_CHARS].split("\n") if line.strip()]
    if web:
        return [line for line in lines[:WEB_HEAD_LINES] if len(line.split()) <= WEB_HEADING_WORDS]
    return [line for line in lines if not line[0].islower()]


_PATTERNS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}


def _keyword_patterns(vocab: Vocabulary) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One pattern per type over its keywords, on folded text (cached per vocabulary)."""
    cached = _PATTERNS.get(vocab.digest)
    if cached is None:
        built = []
        for code, entry in vocab.doctypes.items():
            words = sorted({fold_key(k) for k in entry.keywords if fold_key(k)}, key=len, reverse=True)
            if words:
                body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
                built.append((code, re.compile(rf"(?<!\w)(?:{body})(?!\w)")))
        cached = _PATTERNS[vocab.digest] = tuple(built)
    return cached


def _name_types(stem: str, vocab: Vocabulary) -> list[str]:
    """Types named by the file name's words, longest spelling first:
    "fiche-de-poste" is a job offer before "fiche" is a sector sheet."""
    words = fold_key(_CAMEL.sub(" ", stem)).split()
    found: list[str] = []
    start = 0
    while start < len(words):
        for length in (4, 3, 2, 1):
            code = vocab.doctype_code(" ".join(words[start:start + length])) if start + length <= len(words) else None
            if code:
                if code != WEB_TYPE:  # "page", "site", "article" in a file name say nothing
                    found.append(code)
                start += length
                break
        else:
            start += 1
    return list(dict.fromkeys(found))


def _layout(extracted: Extracted) -> list[str]:
    found = []
    sizes = [(w, h) for w, h in extracted.page_sizes if w > 0 and h > 0]
    if sizes and sum(_slide(w / h) for w, h in sizes) >= SLIDE_SHARE * len(sizes):
        found.append("presentation")
    if extracted.form_fields >= FORM_FIELDS:
        found.append("formulaire")
    if _table_on_every_page(extracted.pages):
        found.append("liste-donnees")
    return found


def _slide(ratio: float) -> bool:
    return any(low <= ratio <= high for low, high in SLIDE_RATIOS)


def _table_on_every_page(pages: list[str]) -> bool:
    shares = []
    for page in pages[:6]:
        lines = [line.strip() for line in page.split("\n") if line.strip()]
        if len(lines) >= ROW_PAGE_LINES:
            shares.append(sum(_row_like(line) for line in lines) / len(lines))
            if shares[-1] < ROW_SHARE:
                return False  # the smallest share is below: the next pages need not be read
    return bool(shares) and min(shares) >= ROW_SHARE and (len(shares) >= 2 or len(pages) == 1)


def _row_like(line: str) -> bool:
    words = line.split()
    if len(words) < 3 or line[-1] in ".;:!?," or not (line[0].isupper() or line[0].isdigit()):
        return False
    return sum(1 for w in words if w[:1].isupper() or w[:1].isdigit()) >= 0.5 * len(words)


def _fallback(extracted: Extracted) -> str | None:
    if extracted.format != "pdf":
        return None
    pages = len(extracted.pages)
    if pages <= BROCHURE_MAX_PAGES and _CONTACT.search("\n".join(extracted.pages)):
        return "plaquette"
    if pages >= STUDY_MIN_PAGES:
        return "etude"
    return None
