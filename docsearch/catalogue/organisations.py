"""Guess the body that issued a document: its letterhead, never a PDF login.

``embedded_organisation`` keeps the embedded author only when it names a
body (a known organisation, a legal form, or a name the document itself
prints), never a login ("jdupont", "accueil"), a person ("DUBUS Vincent"),
a generic account ("Administrateur") or a program; for a web page, the
site's name closing its ``<title>`` ("… - DesignGouv") comes next.
``organisation_from_text`` reads, in this order: a known organisation of the
vocabulary's ``[[organisation]]`` list in the letterhead (first lines of
page 1); a letterhead line with a legal form (association, SCOP, CRESS,
"Conseil départemental de…", "Ville de…"); the first line of page 1 when the
document names it again (a brochure's "Le Garage solidaire du Cotentin
répare…", a report's running header "MJC du Plateau Est — Rapport
d'activité"); a credit line ("traitement CRESS Normandie", "réalisé par…");
a known organisation named in the first pages; "l'association X".

Measured with ``bench/metadata.py`` (organisations right): realworld-fr
21.1 % → see the README; each step's share is in its comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from docsearch.catalogue.vocabulary import Organisation, Vocabulary
from docsearch.extraction import Extracted
from docsearch.text import clean_line, fold_key, strip_accents

HEAD_LINES = 12  # the letterhead: first lines of page 1
HEAD_LINE_CHARS = 100
NAME_MAX_WORDS = 10
BODY_PAGES = 3
# Words that open the name of a body, in French (folded). A line that starts
# with one of them, or holds an acronym form, is a letterhead line.
LEGAL_FORMS = (
    "association", "associations de", "federation", "union regionale", "union departementale", "collectif",
    "reseau", "coordination", "fondation", "fonds", "mutuelle", "cooperative", "societe cooperative",
    "chambre", "comite", "conseil departemental", "conseil regional", "conseil general", "conseil municipal",
    "conseil de", "conseil d", "ville de", "ville d", "mairie de", "mairie d", "commune de", "commune d",
    "communaute de communes", "communaute d agglomeration", "communaute urbaine", "metropole", "region",
    "departement de", "departement d", "ministere", "direction", "agence", "mission", "observatoire", "institut",
    "syndicat", "groupement", "office", "caisse", "centre communal", "service", "maison des", "secretariat general",
    "prefecture", "academie", "universite", "etablissement public", "delegation", "club",
)
ACRONYM_FORMS = ("SCOP", "SCIC", "CRESS", "CAE", "AMAP", "MJC", "GIP", "CCAS", "ESAT", "EHPAD")
_FUNCTION_END = re.compile(r"(?:\b(?:de|du|des|d|l|la|le|les|pour|dans|et|en|aux?)|['’])$", re.I)
# Programs and generic accounts that fill a PDF's Author field.
_NOT_A_BODY = re.compile(
    r"^(?:admin|administrat(?:eur|or|rice)|user|utilisateur|utilisatrice|owner|auteur|author|unknown|inconnu|"
    r"default|guest|invit[ée]|poste\s*\d*|pc|windows user|utilisateur windows|microsoft office user|"
    r"utilisateur de microsoft office|"
    # The State's brand block on a cerfa or an attestation names no body (labels: none).
    r"la r[ée]publique fran[çc]aise|r[ée]publique fran[çc]aise)$"
    r"|microsoft|adobe|acrobat|word|powerpoint|excel|libreoffice|openoffice|writer|impress|pdfcreator|pdf24|canva|"
    r"indesign|illustrator|photoshop|quark|scribus|latex|pdftex|wkhtmltopdf|chrome|chromium|mozilla|ghostscript|"
    r"google|apple|mac\s*os|quartz",
    re.I,
)
# A login: one token of lower-case letters, digits, dots, dashes ("jdupont",
# "josephine.labroue", "acao-adc", "accueil"): 9 of the 20 Author fields of
# realworld-fr. Or an e-mail address.
_LOGIN = re.compile(r"^[a-z0-9._-]+$|@")
# A person: "DUBUS Vincent", "Geoffrey Arthaud", "BOUVIER, Maelle", "B. Roullier":
# 8 of the 20 Author fields of realworld-fr.
_CAP = r"[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?"
_UPPER = r"[A-ZÀ-Ý]{2,}(?:[- ][A-ZÀ-Ý]{2,})?"
# A particle ("Paul d'Ivoi", "Jean de La Fontaine") or initials ("T.S. Eliot") too.
# One word alone ("Villain", "Etalab") is a body only when the document prints it.
_PARTICLE = r"\s+(?:d['’]\s*|de\s+|du\s+|van\s+|von\s+)"
_PERSON = re.compile(
    rf"^(?:{_UPPER}\s+{_CAP}|{_CAP}\s+{_UPPER}|{_CAP}\s+{_CAP}|{_CAP}{_PARTICLE}{_CAP}(?:\s+{_CAP})?|"
    rf"[\w-]+,\s*[\w-]+|(?:[A-Z]\.\s*)+[\w'’-]+)$"
)
# Credit lines: "Source : INSEE — traitement CRESS Normandie", "Réalisé par …".
_CREDIT = re.compile(
    r"(?:\btraitement|\br[ée]alis[ée]e?\s+par|\b[ée]dit[ée]e?\s+par|\bpubli[ée]e?\s+par|\bdiffus[ée]e?\s+par)[ \t]*:?[ \t]+"
    r"((?:[A-ZÀ-Ý][\w'’&-]*)(?:[ \t]+(?:de|du|des|d['’]|l['’]|la|le|les|et|&|en|[A-ZÀ-Ý0-9][\w'’&-]*))*)"
)
_ASSOCIATION = re.compile(
    r"\b[Ll]['’]\s*association\s+((?:[A-ZÀ-Ý][\w'’&-]*)(?:\s+(?:de|du|des|d['’]|la|le|les|et|&|[A-ZÀ-Ý][\w'’&-]*))*)"
)
# One of these is in any match of _CREDIT (case-sensitive, like it).
_CREDIT_NEEDLES = ("traitement", "alisé", "alise", "dité", "dite", "publié", "publie", "diffusé", "diffuse")
_SOURCE = re.compile(r"^\W*sources?\s*:", re.I)
# "Bienvenue — Société coopérative d'habitation", "Framadate… - DesignGouv".
_SITE_SUFFIX = re.compile(r"\s+[-—–|·]\s+([^-—–|·]{2,60})$")
SITE_MAX_WORDS = 6


def embedded_organisation(extracted: Extracted, vocab: Vocabulary) -> str:
    """The embedded author when it names a body, else a web page's site name."""
    author = clean_line(extracted.meta.get("author", ""))
    if author and not _LOGIN.search(author) and not _NOT_A_BODY.search(author):
        known = _known_in(author, vocab.organisations)
        if known:
            return known
        if extracted.format == "html" and not _PERSON.match(author):
            return author  # a page's author or og:site_name: the site more often than a person
        if _has_form(author) or (not _PERSON.match(author) and _printed(author, extracted)):
            return author
    if extracted.format == "html":
        return _site_name(extracted.meta.get("title", ""))
    return ""


def organisation_from_text(extracted: Extracted, vocab: Vocabulary) -> str:
    """The letterhead's body. Not for a web page: its text is an article that
    names bodies it speaks of (0 of the 21 web pages of realworld-fr, whose
    organisation is their site, need it; on bench/relevance.py's pages, their
    subjects became organisations: MRR@10 0.781 → 0.780)."""
    if not extracted.pages or extracted.format == "html":
        return ""
    first = extracted.pages[0]
    lines = list(islice(filter(None, (clean_line(line) for line in first.split("\n"))), HEAD_LINES))
    # "Source : INSEE — traitement CRESS" credits a statistic, it heads nothing.
    head = "\n".join(line for line in lines if len(line) <= HEAD_LINE_CHARS and not _SOURCE.match(line))
    body = "\n".join(extracted.pages[:BODY_PAGES])
    return (_known_in(head, vocab.organisations)
            or _letterhead(lines)
            or _named_again(lines, first, extracted.pages[1:BODY_PAGES], vocab)
            or _credit(extracted.pages[:BODY_PAGES] + extracted.pages[-1:], vocab.organisations)
            or _most_named(body, vocab.organisations)
            or _association(body))


def _known_in(text: str, organisations: tuple[Organisation, ...]) -> str:
    """The known organisation named first in ``text``."""
    best: tuple[int, str] | None = None
    for organisation, position in _positions(text, organisations):
        if best is None or position < best[0]:
            best = (position, organisation.name)
    return best[1] if best else ""


def _most_named(text: str, organisations: tuple[Organisation, ...]) -> str:
    counts: dict[str, tuple[int, int]] = {}
    for organisation, position in _positions(text, organisations, every=True):
        count, first = counts.get(organisation.name, (0, position))
        counts[organisation.name] = (count + 1, min(first, position))
    if not counts:
        return ""
    return max(counts, key=lambda name: (counts[name][0], -counts[name][1]))


def _positions(text: str, organisations: tuple[Organisation, ...], every: bool = False) -> Iterable[tuple[Organisation, int]]:
    plain, folded = strip_accents(text), f" {fold_key(text)} "
    scale = len(folded) / max(len(plain), 1)
    for spelling in _spellings(organisations):
        # A spelling absent from the text (most of them) is ruled out by a substring test, far
        # cheaper than a regex scan; the regex, compiled once, then finds the same matches as
        # before. With _has_form, _credit's needles and the head read lazily: 2,000 PDFs,
        # organisation_from_text 5.7 → 0.8 ms per document (bench/guesses.py).
        haystack = plain if spelling.acronym else folded
        if spelling.needle not in haystack:
            continue
        if every:
            starts = [m.start() for m in spelling.pattern.finditer(haystack)]
        else:
            first = spelling.pattern.search(haystack)
            starts = [first.start()] if first else []
        for start in starts:
            yield spelling.organisation, int(start * scale) if spelling.acronym else start


@dataclass(frozen=True)
class _Spelling:
    organisation: Organisation
    acronym: bool  # as written, a word of its own ("ADEME", not "académie"), on the unaccented text
    needle: str  # what the text must contain for the pattern to match
    pattern: re.Pattern[str]


_SPELLINGS: dict[int, tuple[tuple[Organisation, ...], tuple[_Spelling, ...]]] = {}


def _spellings(organisations: tuple[Organisation, ...]) -> tuple[_Spelling, ...]:
    """Every spelling of ``organisations``, in their order, its pattern compiled once per list."""
    kept = _SPELLINGS.get(id(organisations))
    if kept is not None and kept[0] is organisations:
        return kept[1]
    spellings = []
    for organisation in organisations:
        for spelling in (organisation.name, *organisation.aliases):
            if spelling.isupper():
                needle = strip_accents(spelling)
                pattern = re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")
                spellings.append(_Spelling(organisation, True, needle, pattern))
            else:
                needle = f" {fold_key(spelling)} "
                spellings.append(_Spelling(organisation, False, needle, re.compile(re.escape(needle))))
    if len(_SPELLINGS) > 16:  # vocabularies edited by staff: keep a few, not every one ever loaded
        _SPELLINGS.clear()
    _SPELLINGS[id(organisations)] = (organisations, tuple(spellings))
    return tuple(spellings)


def _letterhead(lines: list[str]) -> str:
    """A letterhead line with a legal form, with the lines that continue it
    ("Conseil de / l'inclusion dans / l'Emploi"), or joined to the short name
    above it ("Re-Co / société coopérative d'habitation")."""
    for index, line in enumerate(lines):
        if not _has_form(line) or line.rstrip()[-1:] in ".?!:;" or len(line.split()) > NAME_MAX_WORDS:
            continue
        name = line
        for following in lines[index + 1:index + 3]:
            if not (_FUNCTION_END.search(name) or following[:1].islower()) or len(following) > 60:
                break
            name = f"{name} {following}"
        starts_lower = fold_key(line).startswith(tuple(f"{form}" for form in ("societe cooperative", "cooperative", "association")))
        if starts_lower and line[:1].islower() and index > 0 and _name_like(lines[index - 1], short=True):
            name = f"{lines[index - 1]} {name}"
        if len(name.split()) >= 2:
            return _trim(name)
    return ""


def _has_form(text: str) -> bool:
    folded = fold_key(text)
    stripped = _ARTICLE.sub("", folded)
    # A set and a tuple of prefixes, an alternation of the acronyms: the same answers as a loop
    # over each form, computed in C (it runs on every head line of every PDF).
    if stripped in _LEGAL_FORM_SET or stripped.startswith(_LEGAL_FORM_PREFIXES):
        return True
    return bool(_ACRONYM_FORM.search(strip_accents(text))) or " societe cooperative" in f" {folded}"


_ARTICLE = re.compile(r"^(?:l|la|le|les)\s+")
_LEGAL_FORM_SET = frozenset(LEGAL_FORMS)
_LEGAL_FORM_PREFIXES = tuple(f"{form} " for form in LEGAL_FORMS)
_ACRONYM_FORM = re.compile(rf"(?<![\w-])(?:{'|'.join(ACRONYM_FORMS)})(?![\w-])")


def _named_again(lines: list[str], first_page: str, other_pages: list[str], vocab: Vocabulary) -> str:
    """The first line of page 1, when it is a name the document prints again:
    as the subject of page 1's prose (14 brochures of the sample corpus), in a
    running header of the next pages (its reports), or as a leading acronym
    ("ARDESS Haute-Normandie" … "l'ARDESS accueille")."""
    if not lines or not _name_like(lines[0]) or _names_a_type(lines[0], vocab):
        return ""  # "Dossier de Presse" on every page is the document's kind, not its body
    name = lines[0]
    rest = fold_key(first_page.split(name, 1)[-1] if name in first_page else first_page)
    key = fold_key(name)
    if f" {key} " in f" {rest} " or any(f" {key} " in f" {fold_key(page[:300])} " for page in other_pages):
        return _trim(name)
    acronym = name.split()[0]
    if len(acronym) >= 3 and acronym.isupper() and re.search(rf"(?<!\w){re.escape(acronym)}(?!\w)", first_page.split(name, 1)[-1]):
        return _trim(name)
    return ""


def _names_a_type(line: str, vocab: Vocabulary) -> bool:
    key = f" {fold_key(line)} "
    return any(word in key for word in _type_words(vocab))


_TYPE_WORDS: dict[int, tuple[object, tuple[str, ...]]] = {}


def _type_words(vocab: Vocabulary) -> tuple[str, ...]:
    """The types' labels and keywords, folded once per list of types (not some hundred
    fold_key calls per document)."""
    kept = _TYPE_WORDS.get(id(vocab.doctypes))
    if kept is not None and kept[0] is vocab.doctypes:
        return kept[1]
    words = tuple(f" {fold_key(word)} " for entry in vocab.doctypes.values() for word in (entry.label, *entry.keywords))
    if len(_TYPE_WORDS) > 16:
        _TYPE_WORDS.clear()
    _TYPE_WORDS[id(vocab.doctypes)] = (vocab.doctypes, words)
    return words


def _name_like(line: str, short: bool = False) -> bool:
    words = line.split()
    if not words or len(words) > (4 if short else 8) or re.search(r"[.:?!;]\s*$|[:?!]|\d{3,}", line):
        return False
    if not (line[0].isupper() or line[0].isdigit()):
        return False
    capitals = sum(1 for w in words if w[:1].isupper())
    acronyms = sum(1 for w in words if len(w) >= 2 and w.isupper())
    if line.isupper() and len(words) > 1:
        return False  # a heading in capitals ("NOM PRENOM SIGLE GROUPE") is not a name
    return short or capitals >= 2 or acronyms >= 1


def _credit(pages: list[str], organisations: tuple[Organisation, ...]) -> str:
    for page in pages:
        if not any(needle in page for needle in _CREDIT_NEEDLES):
            continue  # no credit can match (the pattern scan cost 60 µs a page)
        for match in _CREDIT.finditer(page):
            name = _trim(match.group(1))
            if not 1 <= len(name.split()) <= NAME_MAX_WORDS:
                continue
            known = _known_in(name, organisations)
            if known or _has_form(name) or (len(name.split()) >= 2 and not _PERSON.match(name)):
                return known or name
    return ""


def _association(text: str) -> str:
    match = _ASSOCIATION.search(text) if "association" in text else None
    return _trim(match.group(1)) if match else ""


def _printed(name: str, extracted: Extracted) -> bool:
    """The document prints this name itself on its first pages."""
    key = f" {fold_key(name)} "
    return len(key) > 4 and key in f" {fold_key(' '.join(extracted.pages[:2]))} "


def _site_name(title: str) -> str:
    match = _SITE_SUFFIX.search(clean_line(title))
    if not match:
        return ""
    site = match.group(1).strip()
    return site if 1 <= len(site.split()) <= SITE_MAX_WORDS else ""


def _trim(name: str) -> str:
    """Without the punctuation or the dangling "de", "et"… that end a cut line."""
    name = re.sub(r"[\s,;:.–—-]+$", "", name)
    while _FUNCTION_END.search(name) and " " in name:
        name = re.sub(r"[\s,;:.–—-]+$", "", name.rsplit(" ", 1)[0])
    return clean_line(name)[:120]
