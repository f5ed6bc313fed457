"""A document's title, from what it carries.

Tried in this order (``title_candidates``):

1. a web page's ``h1`` — not a rubric ("Communiqué de presse") — since the
   ``<title>`` often names the site or a section ("Équipe - DesignGouv");
2. the embedded title, unless it is a generator's default ("Présentation
   PowerPoint", "Adobe Photoshop PDF", "Microsoft Word - …"), a file name
   ("ProcesVerbalAssembleeConsitutive-Copy1", "…\\msoB3CC.tmp") or garbage;
   a web page's title loses the site's name (" - DesignGouv", " | Site");
3. page 1 of a PDF: its largest text near the top (``sized_title``), read
   from the sizes PDFium gives (``extraction.layout``);
4. the first lines of the text (``lines_title``), for what has no sizes
   (OCR, office files): a line that names the document ("Procès-verbal de
   l'assemblée…", "Discours de M. …") among the first ones beats a letterhead.

Lines never titles, whatever their size: running headers and footers (on most
pages), page numbers, dates, addresses, the State's "bloc-marque"
(République française, Liberté Égalité Fraternité), OCR debris. Letter-spaced
headings are collapsed ("A U X D O C U M E N T S" → "AUX DOCUMENTS").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import PurePosixPath

from docsearch.catalogue.dates import BARE_YEAR, DATE, is_date_line
from docsearch.extraction import Extracted
from docsearch.extraction.extracted import Line
from docsearch.extraction.words import dictionary_share, looks_like_garbage, word_list
from docsearch.text import clean_line, fold_key

MAX_CHARS = 200
# A title set on more lines than this is body text.
MAX_LINES = 4
# Lines joined into a title stop before passing this many words, unless the
# line ends on "de", "du", "la"…: "Portez ce vieux whisky au juge blond qui
# fume sur son île" is kept from a pangram of eleven lines.
MAX_WORDS = 16
# A heading is this much larger than the body text of its page…
HEADING_RATIO = 1.25
# …and a subtitle at least this share of the title's size.
SUBTITLE_RATIO = 0.45
# Sizes within this ratio are one size (a bold word, rounding of boxes).
SAME_SIZE = 0.08
# Blocks within this ratio of the largest count as the largest: the first wins
# ("BILAN SUR L'ÉCOCONCEPTION…" at 14.6 pt above "Contexte métier" at 15.6 pt).
NEAR_LARGEST = 1.1
# Fewer characters than this on page 1: a cover, where every line is display text.
COVER_CHARS = 400
# On a cover, a subtitle in body size is this short ("BILAN D'ACTIVITÉ 2024").
COVER_SUBTITLE_CHARS = 100
# Titles of four words or more with fewer known words than this are a broken
# font ("Qsfqbsfs mft epoooft…" has 1 in 5); names of products and bodies
# ("MiNumEco RGESN NumEcoDiag") are rarely four unknown words.
UNREADABLE_SHARE = 0.25
# Lines read for a line that names the document (``_NAMING``).
NAMING_LINES = 12

# What editors write when nobody typed a title (folded, compared whole or as a prefix).
GENERATOR_DEFAULTS = (
    "presentation powerpoint", "powerpoint presentation", "diapositive", "slide", "votre texte de paragraphe",
    "votre titre", "titre de la presentation", "cliquez pour ajouter un titre", "click to add title",
    "untitled", "sans titre", "document sans titre", "nouveau document", "document", "titre", "title",
    "adobe photoshop pdf", "microsoft word", "binder", "classeur", "feuil", "sheet", "layout", "maquette",
    "mise en page", "presentation", "diaporama", "canva", "brochure", "flyer", "affiche", "doc", "pdf",
)
_GENERATOR_PREFIX = re.compile(r"^(?:Microsoft\s+(?:Word|PowerPoint|Excel|Office\s+\w+)|Word|PowerPoint)\s*[-–:]\s*", re.I)
_FILE_SUFFIX = re.compile(
    r"\.(?:pdf|docx?|dotx?|odt|ott|rtf|txt|pptx?|ppsx?|odp|xlsx?|ods|csv|indd|idml|ai|eps|psd|png|jpe?g|tiff?|gif|"
    r"svg|html?|tmp|qxd|pub|pages|key|numbers)$", re.I)
# Headings that name a kind of document, not the document: a rubric over the title.
RUBRICS = (
    "communique de presse", "dossier de presse", "appel a manifestation d interet", "appel a projets",
    "appel a candidatures", "guide pratique", "guide", "fiche pratique", "rapport final", "rapport", "offre de stage",
    "fiche de poste", "offre d emploi", "note", "synthese", "presentation", "sommaire", "table des matieres",
    "contents", "edito", "editorial", "introduction", "preambule", "avant propos", "actualites", "actualite",
)
# Titles that name a yearly kind of document and not whose it is.
GENERIC_TITLES = frozenset({
    "rapport d activite", "rapport annuel", "rapport annuel d activite", "rapport moral", "rapport financier",
    "bilan d activite", "bilan annuel", "bilan", "rapport", "compte rendu", "proces verbal", "statuts",
    "lettre d information", "bulletin", "newsletter", "programme", "assemblee generale", "budget",
})
# The State's brand block and other lines that stand on every cover.
_BRAND = frozenset({"republique", "francaise", "liberte", "egalite", "fraternite", "gouvernement"})
# Words a title line does not end on: the title goes on on the next line.
_DANGLING = frozenset({
    "de", "du", "des", "d", "la", "le", "les", "l", "et", "ou", "a", "au", "aux", "en", "pour", "par", "sur",
    "dans", "avec", "un", "une", "son", "sa", "ses", "leur", "leurs", "vers", "entre", "the", "of", "and",
})
# A line that names what the document is: a type noun, a preposition, two more words.
_NAMING = re.compile(
    r"^(?:discours|proces[- ]verbal|compte[- ]rendu|rapport|bilan|guide|etude|dossier|synthese|fiche|note|lettre|"
    r"charte|convention|reglement|plan|programme|projet|referentiel|cahier|catalogue|diagnostic|enquete|"
    r"panorama|schema|livret|annuaire|liste|table|releve|ordre du jour|appel|declaration|attestation|"
    r"justificatif|notice|memento|kit)"
    r"(?: \w+)? (?:de|du|des|d|sur|pour)(?: \w+){2,}", re.I)
_PAGE_NUMBER = re.compile(r"\b(?:page\s*)?\d+\s*(?:/|sur|of|de)\s*\d+\b|^\W*\d+\W*$", re.I)
_ADDRESS = re.compile(
    r"@|https?://|www\.|\.(?:fr|org|com|eu|net|gouv)\b|about:|\b\d{5}\b|\b(?:tél|tel|fax)\b|\b[A-Z]{1,2}-\d{4,5}\b"
    r"|^\d{4}\s+[A-ZÉ]|^(?:\d+\s*(?:bis|ter)?,?\s+)?(?:av|avenue|rue|bd|boulevard|place|pl|chemin|ch|route|rte|allée|"
    r"allee|impasse|quai|cours|square|bp|cs)\b\.?\s.*\d", re.I)
# A list item is never a title.
_BULLETS = frozenset("•●▪■□◦►▶→➢✓✔*Æ")
_TITLE_MARKS = frozenset("-–—:&/|+«»!?%'’\"()")
_SPACED = re.compile(r"(?<!\S)(?:[^\W\d_'’] (?:['’] )?){3,}[^\W\d_](?!\S)")
# French elisions stand as one letter before an apostrophe: "D'ACTIVITÉ".
_ELIDED = frozenset("dljnsctm")
_WEB_SUFFIX = re.compile(r"\s+[-–—|·]{1,2}\s+")
# A site's name after a page's title is this short at most ("Portail de l'ESS").
SITE_WORDS = 5


def title_candidates(relpath: str, extracted: Extracted) -> list[tuple[str, Callable[[], str]]]:
    """(origin, guess) in the order ``resolve_metadata`` tries them, after staff's."""
    html = extracted.format == "html"
    candidates: list[tuple[str, Callable[[], str]]] = []
    if html:
        # The h1 is the page's markup, set by its author like its <title>: found, not deduced.
        candidates.append(("embedded", lambda: html_heading(extracted.meta)))
    candidates.append(("embedded", lambda: embedded_title(extracted.meta.get("title", ""), relpath, html,
                                                          extracted.meta.get("author", ""))))
    candidates.append(("text", lambda: text_title(extracted)))
    return candidates


# --- embedded titles ---------------------------------------------------------------------------

def embedded_title(raw: str, relpath: str = "", html: bool = False, site: str = "") -> str:
    title = _GENERATOR_PREFIX.sub("", clean_line(raw))
    if _FILE_SUFFIX.search(title) or "\\" in title or title.count("/") > 1:
        return ""  # "Microsoft Word - rapport.doc", "C:\Users\…\msoB3CC.tmp": a file's name, not a title
    if html:
        title = _without_site(title, site)
    title = collapse_spacing(title)
    if not _plausible(title) or _default(title) or _file_like(title, relpath):
        return ""
    return title[:MAX_CHARS]


def _without_site(title: str, site: str) -> str:
    """"Framadate, notre première contribution - DesignGouv" → the part before the
    site's name: the last part after a dash or a bar, when it is the site (its
    ``og:site_name``) or shorter than what it follows. A colon is a title's own."""
    separators = list(_WEB_SUFFIX.finditer(title))
    if not separators:
        return title
    head, tail = title[:separators[-1].start()], title[separators[-1].end():]
    if (site and fold_key(tail) == fold_key(site)) or (len(tail.split()) <= SITE_WORDS and len(tail) < len(head)):
        return head
    return title


def _default(title: str) -> bool:
    key = fold_key(title)
    key = re.sub(r"\s*\d+$", "", key)  # "Diapositive 1", "Document1", "Sans titre-1"
    return not key or any(key == d or (key.startswith(d + " ") and len(key) <= len(d) + 3) for d in GENERATOR_DEFAULTS)


def _file_like(title: str, relpath: str) -> bool:
    """No space and a file name's marks: "2015_TRACFIN_Data_Science", "ProcesVerbalAssemblee-Copy1"."""
    stem = PurePosixPath(relpath).stem
    if stem and fold_key(title) == fold_key(stem) and (" " not in title) and len(title) > 12:
        return True
    if " " in title:
        return False
    marks = ("_" in title, bool(re.search(r"\.[A-Za-z]\w{1,7}$", title)), bool(re.search(r"\d", title)) and len(title) > 8,
             bool(re.search(r"[a-z][A-Z]", title)), len(title) > 25)
    return any(marks)


# --- web pages ---------------------------------------------------------------------------------

def html_heading(meta: dict[str, str]) -> str:
    """The first ``h1`` that is not a rubric nor the site's name. A one-word
    ``h1`` the page's ``<title>`` does not contain is a section ("POLÍTICA")."""
    site = fold_key(meta.get("author", ""))
    page_title = fold_key(_without_site(clean_line(meta.get("title", "")), meta.get("author", "")))
    for heading in meta.get("headings", "").split("\n"):
        heading = collapse_spacing(clean_line(heading))
        key = fold_key(heading)
        if not key or key in RUBRICS or (site and key == site) or not _plausible(heading):
            continue
        if " " not in key and len(page_title.split()) >= 3 and key not in page_title.split():
            continue
        return heading[:MAX_CHARS]
    return ""


# --- page 1 of a PDF: the largest text near the top -----------------------------------------

def text_title(extracted: Extracted) -> str:
    pages = extracted.pages
    first = pages[0] if pages else ""
    repeated = {fold_key(line.text) for line in extracted.first_lines if line.repeated}
    if extracted.first_lines:
        title = sized_title(extracted.first_lines)
        if title:
            return title
    return lines_title(first, pages[1:6], repeated)


def sized_title(lines: list[Line]) -> str:
    """The largest block of lines of page 1 (the first of those nearly as large),
    with the block under it when that is a subtitle in display size."""
    body = _body_size(lines)
    cover = sum(len(line.text) for line in lines) < COVER_CHARS
    blocks = _blocks([line for line in lines if not line.repeated and not skip_line(line.text)])
    candidates = [i for i, block in enumerate(blocks)
                  if len(block) <= MAX_LINES and (cover or block[0].size >= HEADING_RATIO * body)]
    if not candidates:
        return ""
    largest = max(blocks[i][0].size for i in candidates)
    index = next(i for i in candidates if blocks[i][0].size * NEAR_LARGEST >= largest)
    title_block = blocks[index]
    title = _joined(title_block)
    above = _block_above(blocks, index)
    if title[:1].islower() and above is not None:
        title = f"{_joined(above)} {title}"
    elif _generic(title) and above is not None and not _dateline(_joined(above)):
        return f"{title} — {_joined(above)}"[:MAX_CHARS]  # "Rapport d'activité 2008 — ARDESS Haute-Normandie"
    nxt = blocks[index + 1] if index + 1 < len(blocks) else None
    is_rubric = fold_key(title) in RUBRICS
    if nxt is not None and len(nxt) <= MAX_LINES and nxt[0].size >= SUBTITLE_RATIO * title_block[0].size \
            and (nxt[0].size >= HEADING_RATIO * body or is_rubric or (cover and _short(nxt))) \
            and not _dateline(_joined(nxt)) and fold_key(_joined(nxt)) not in fold_key(title):
        subtitle = _joined(nxt)
        title = f"{title} {subtitle}" if subtitle[:1].islower() else f"{title} — {subtitle}"
    elif is_rubric:
        return ""  # "Dossier de presse" alone: the text says more (a cover in an image, say)
    return title[:MAX_CHARS]


def _generic(title: str) -> bool:
    """A title any body could print: "Rapport d'activité 2008" says whose only with the name above it."""
    return fold_key(BARE_YEAR.sub(" ", DATE.sub(" ", title))) in GENERIC_TITLES


def _dateline(text: str) -> bool:
    """A word and a date, "Exercice 2016", "Étude — août 2024": what dates a title, not a subtitle."""
    return bool(DATE.search(text) or BARE_YEAR.search(text)) and len(fold_key(BARE_YEAR.sub(" ", DATE.sub(" ", text))).split()) <= 1


def _short(block: list[Line]) -> bool:
    """A cover's line under the title, not a paragraph of it."""
    return len(block) <= 2 and sum(len(line.text) for line in block) <= COVER_SUBTITLE_CHARS


def _body_size(lines: list[Line]) -> float:
    """The size most of the page's characters have."""
    weighted = sorted((line.size, len(line.text)) for line in lines)
    half, seen = sum(n for _, n in weighted) / 2, 0
    for size, n in weighted:
        seen += n
        if seen >= half:
            return size
    return 0.0


def _blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of consecutive lines of one size."""
    blocks: list[list[Line]] = []
    for line in lines:
        if blocks and abs(blocks[-1][0].size - line.size) <= SAME_SIZE * max(line.size, 1.0):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _block_above(blocks: list[list[Line]], index: int) -> list[Line] | None:
    """The block drawn just above ``blocks[index]``: "GUIDE PRATIQUE" over "pour des achats…"."""
    top = blocks[index][0].top
    above = [b for i, b in enumerate(blocks) if i != index and b[-1].top < top and len(b) <= MAX_LINES]
    return max(above, key=lambda b: b[-1].top) if above else None


def _joined(block: list[Line]) -> str:
    return collapse_spacing(" ".join(line.text for line in block))


# --- the first lines of the text ---------------------------------------------------------------

def lines_title(first_page: str, later_pages: list[str], repeated: set[str] | None = None) -> str:
    """The first title-like lines; a line naming the document among the first
    ones wins over a letterhead; a rubric takes the block after it."""
    headers = (repeated or set()) | _running_lines(first_page, later_pages)
    lines = [collapse_spacing(line.strip()) for line in first_page.split("\n")]
    # A skipped line (a date, an address, the brand block) ends the title before it.
    usable = [line if fold_key(line) not in headers and not skip_line(line) else "" for line in lines if line]
    blocks = _text_blocks(usable)
    starts = [b for b in blocks if not b[:1].islower()]
    if not starts:
        return ""
    naming = next((b for b in starts[:NAMING_LINES] if _NAMING.match(fold_key(b))), None)
    if naming is not None:
        return naming[:MAX_CHARS]
    title = starts[0]
    rest = [b for b in starts[1:] if fold_key(b) != fold_key(title)]
    if rest and not _dateline(rest[0]) and (fold_key(title) in RUBRICS or (len(title) < 30 and len(rest[0]) < 60)):
        title = f"{title} — {rest[0]}"
    return title[:MAX_CHARS]


def _text_blocks(lines: list[str]) -> list[str]:
    """Lines joined into titles: a line going on in lower case, after a dangling
    "de", or in capitals after capitals, is the same title."""
    blocks: list[list[str]] = []
    broken = True
    for line in lines:
        if not line:
            broken = True
        elif not broken and _continues(blocks[-1], line):
            blocks[-1].append(line)
        else:
            blocks.append([line])
            broken = False
    return [" ".join(block) for block in blocks]


def _continues(block: list[str], line: str) -> bool:
    if len(block) >= MAX_LINES:
        return False
    text = " ".join(block)
    words = fold_key(text).split()
    dangling = bool(words) and words[-1] in _DANGLING
    if len(words) + len(line.split()) > MAX_WORDS and not dangling:
        return False
    if dangling or line[:1].islower():
        return True
    return _capitals(text) and _capitals(line) and not text.rstrip().endswith((".", "!", "?", ":"))


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _running_lines(first_page: str, later_pages: list[str]) -> set[str]:
    """Keys of the first page's end lines also at an end of most later pages."""
    pages = [p for p in later_pages if p.strip()]
    if not pages:
        return set()

    def ends(page: str) -> set[str]:
        lines = [fold_key(re.sub(r"\d+", "", line)) for line in page.split("\n") if line.strip()]
        return {key for key in lines[:3] + lines[-3:] if key}

    found: dict[str, int] = {}
    for page in pages:
        for key in ends(page):
            found[key] = found.get(key, 0) + 1
    first = [line for line in first_page.split("\n") if line.strip()]
    return {fold_key(line) for line in first[:3] + first[-3:]
            if found.get(fold_key(re.sub(r"\d+", "", line)), 0) * 2 >= len(pages)}


# --- what a title line is not --------------------------------------------------------------------

def skip_line(line: str) -> bool:
    """Page numbers, dates, addresses, the brand block, debris: never a title."""
    letters = sum(c.isalpha() for c in line)
    if letters < 3 or len(line) > 160 or line[:1] in _BULLETS or letters < 0.5 * len(line.replace(" ", "")):
        return True
    if _PAGE_NUMBER.search(line) or _ADDRESS.search(line) or is_date_line(line):
        return True
    words = fold_key(line).split()
    if words and all(w in _BRAND for w in words):
        return True
    tokens = line.split()
    if len(tokens) >= 2 and sum(1 for t in tokens if _debris(t)) >= 0.3 * len(tokens):
        return True  # "LES ATELIERS DE . .", "Ei ." — OCR read a drawing
    # "Dossier de presse – 1er octobre 2015": a rubric and its date
    return bool(DATE.search(line)) and fold_key(DATE.sub(" ", line)) in RUBRICS


def _debris(token: str) -> bool:
    """A token of marks that are not a title's punctuation ("-", ":", "&"…)."""
    return not any(c.isalnum() for c in token) and not all(c in _TITLE_MARKS for c in token)


def _plausible(title: str) -> bool:
    letters = sum(c.isalpha() for c in title)
    if letters < 3:
        return False
    return not looks_like_garbage(title) and not _unreadable(title)


def _unreadable(text: str) -> bool:
    """Several words, none of them French or English: a broken font."""
    share, count = dictionary_share(text)
    return count >= 4 and share < UNREADABLE_SHARE


# --- letter-spaced headings ---------------------------------------------------------------------

def collapse_spacing(text: str) -> str:
    """"A U X D O C U M E N T S" → "AUX DOCUMENTS": the letters joined, cut into
    words of the word list (kept whole when it cannot be)."""
    return _SPACED.sub(lambda m: "".join(_segment(part) for part in re.split(r"(['’])", m.group(0).replace(" ", ""))), text)


def _segment(letters: str) -> str:
    if not letters or letters in ("'", "’"):
        return letters
    words = _split(_fold(letters))
    if words is None:
        return letters
    out, start = [], 0
    for word in words:
        out.append(letters[start:start + len(word)])
        start += len(word)
    return " ".join(out)


@lru_cache(maxsize=1024)
def _split(folded: str) -> tuple[str, ...] | None:
    """The fewest dictionary words that make ``folded``, or None."""
    known = word_list()
    best: list[tuple[str, ...] | None] = [None] * (len(folded) + 1)
    best[0] = ()
    for end in range(1, len(folded) + 1):
        for start in range(max(0, end - 25), end):
            prefix = best[start]
            piece = folded[start:end]
            if prefix is not None and ((len(piece) > 1 and piece in known) or piece in _ELIDED or piece in ("a", "y")):
                candidate = (*prefix, piece)
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[-1]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
