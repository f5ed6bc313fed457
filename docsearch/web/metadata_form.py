"""The metadata form of the staff pages: its initial values and its checks.

The form's field names (``titre``, ``secteurs``, ``annee``, ``type``,
``resume``, ``organisation``, ``territoire``, ``auteurs``, ``motscles``,
``langue``, ``cote``) exist only here and in the template: ``form_fields`` turns staff values into what the fields show,
``read_metadata_form`` turns what was sent into ``StaffMetadata`` (and the
French error of each wrong field, keyed by field name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from starlette.datastructures import FormData

from docsearch.catalogue.language import LANGUAGE_NAMES, iso_language
from docsearch.catalogue.people import split_authors
from docsearch.catalogue.records import Metadata
from docsearch.catalogue.staff import StaffMetadata
from docsearch.catalogue.thesaurus import split_keywords
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.text import clean_line

# The form field of each staff value.
FORM_FIELDS = {
    "title": "titre", "sectors": "secteurs", "year": "annee", "doctype": "type", "summary": "resume",
    "organisation": "organisation", "territory": "territoire",
    "authors": "auteurs", "keywords": "motscles", "language": "langue", "cote": "cote",
}
MAX_TEXT = {"title": 300, "summary": 2000, "organisation": 200, "territory": 200, "cote": 60}
MAX_AUTHORS, MAX_AUTHOR = 12, 120  # names, characters of a name
MAX_KEYWORDS, MAX_KEYWORD = 20, 80

FIELDS = tuple(FORM_FIELDS)


@dataclass(frozen=True)
class FilledForm:
    staff: StaffMetadata  # what the form says, once it has no error
    shown: dict[str, object]  # what the fields show again, by field name (a wrong year as typed)
    errors: dict[str, str]  # by field name


@dataclass(frozen=True)
class Badge:
    """Where a field's value came from, as the form says it beside the field's label."""

    word: str  # saisi, trouvé, déduit, manquant
    detail: str = ""  # how it was deduced: "appris, confiance 83 %", "du texte"…
    kind: str = "missing"  # the CSS class's suffix: typed, found, guessed, missing

    @property
    def text(self) -> str:
        return f"{self.word} ({self.detail})" if self.detail else self.word

    def with_confidence(self, confidence: float | None) -> Badge:
        """A learned value's badge says how sure the classifier was: "appris, confiance 83 %"."""
        if self.detail != _LEARNED or confidence is None:
            return self
        return replace(self, detail=f"{_LEARNED}, confiance {round(100 * confidence)} %")


_LEARNED = "appris"
# Each origin (catalogue/records.ORIGINS) as the badge's word and detail.
_BADGES = {
    "staff": ("saisi", "", "typed"),
    "embedded": ("trouvé", "", "found"),
    "path": ("déduit", "du dossier ou du nom du fichier", "guessed"),
    "format": ("déduit", "du format du fichier", "guessed"),
    "text": ("déduit", "du texte", "guessed"),
    "learned": ("déduit", _LEARNED, "guessed"),  # with its confidence: see Badge.with_confidence
    "default": ("manquant", "", "missing"),
}


def found_labels(origins: dict[str, str], confidence: dict[str, float] | None = None) -> dict[str, Badge]:
    """For each field, what the form says of its value: saisi (by staff), trouvé
    (in the file's own metadata), déduit (from its path, format or text, or
    learned from the records staff confirmed, with the classifier's confidence),
    manquant (no value)."""
    badges = {}
    for field in FIELDS:
        # An origin this table does not name yet (a new kind of guess) is a deduction, not a missing value.
        word, detail, kind = _BADGES.get(origins.get(field, "default"), ("déduit", "", "guessed"))
        badges[field] = Badge(word, detail, kind).with_confidence((confidence or {}).get(field))
    return badges


def form_fields(staff: StaffMetadata) -> dict[str, object]:
    """What each field of the form shows, by field name."""
    return {
        FORM_FIELDS["title"]: staff.title, FORM_FIELDS["sectors"]: list(staff.sectors),
        FORM_FIELDS["year"]: staff.year or "", FORM_FIELDS["doctype"]: staff.doctype,
        FORM_FIELDS["summary"]: staff.summary, FORM_FIELDS["organisation"]: staff.organisation,
        FORM_FIELDS["territory"]: staff.territory,
        FORM_FIELDS["authors"]: "\n".join(staff.authors), FORM_FIELDS["keywords"]: ", ".join(staff.keywords),
        FORM_FIELDS["language"]: iso_language(staff.language), FORM_FIELDS["cote"]: staff.cote,
    }


def initial_values(meta: Metadata) -> dict[str, object]:
    """The fields of a draft's form: what was found, except "non classé",
    which staff must choose themselves."""
    staff = StaffMetadata.from_metadata(meta)
    return form_fields(replace(staff, sectors=tuple(s for s in staff.sectors if s != "non-classe")))


def read_metadata_form(form: FormData, vocab: Vocabulary) -> FilledForm:
    """The staff metadata a form sends, and the French error of each wrong field."""
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    for name, limit in MAX_TEXT.items():
        raw = form.get(FORM_FIELDS[name], "")
        text = clean_line(raw if isinstance(raw, str) else "")  # a file sent in a text field counts as empty
        if len(text) > limit:
            errors[FORM_FIELDS[name]] = f"{limit} caractères au plus."
        texts[name] = text[:limit]
    if not texts["title"]:
        errors[FORM_FIELDS["title"]] = "Le titre est obligatoire."
    given = [s for s in form.getlist(FORM_FIELDS["sectors"]) if isinstance(s, str)]
    unknown = [s for s in given if vocab.sector_code(s) is None]
    sectors = tuple(code for s in given if (code := vocab.sector_code(s)))
    if unknown:
        errors[FORM_FIELDS["sectors"]] = "Secteur inconnu : " + ", ".join(unknown[:3])
    elif not sectors:
        errors[FORM_FIELDS["sectors"]] = "Choisissez au moins un secteur (« Non classé » si aucun ne convient)."
    raw_year = form.get(FORM_FIELDS["year"], "")
    typed_year = raw_year.strip() if isinstance(raw_year, str) else ""
    year = None
    if typed_year and not (len(typed_year) == 4 and typed_year.isascii() and typed_year.isdigit()
                           and 1900 <= int(typed_year) <= 2100):
        errors[FORM_FIELDS["year"]] = "Une année de 1900 à 2100, ou rien si elle est inconnue."
    elif typed_year:
        year = int(typed_year)
    raw_type = form.get(FORM_FIELDS["doctype"], "")
    doctype = vocab.doctype_code(raw_type if isinstance(raw_type, str) else "")
    if doctype is None:
        errors[FORM_FIELDS["doctype"]] = "Choisissez un type de document."
    authors, keywords, language = _catalogue_fields(form, errors)
    staff = StaffMetadata(title=texts["title"], sectors=sectors, year=year, doctype=doctype or "",
                          summary=texts["summary"], organisation=texts["organisation"], territory=texts["territory"],
                          authors=authors, keywords=keywords, language=language, cote=texts["cote"])
    shown = form_fields(staff)
    if FORM_FIELDS["year"] in errors:
        shown[FORM_FIELDS["year"]] = typed_year[:10]
    return FilledForm(staff, shown, errors)


def _catalogue_fields(form: FormData, errors: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Authors (one per line or between semicolons), keywords (between commas
    or semicolons) and the language (a code of the list, or "" for the
    detected one), with the French error of each wrong field."""
    authors = tuple(split_authors(_field(form, "authors")))
    if len(authors) > MAX_AUTHORS or any(len(a) > MAX_AUTHOR for a in authors):
        errors[FORM_FIELDS["authors"]] = f"{MAX_AUTHORS} auteurs au plus, de {MAX_AUTHOR} caractères chacun au plus."
    keywords = tuple(dict.fromkeys(clean_line(k) for k in split_keywords(_field(form, "keywords"))))
    if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD for k in keywords):
        errors[FORM_FIELDS["keywords"]] = f"{MAX_KEYWORDS} mots-clés au plus, de {MAX_KEYWORD} caractères chacun au plus."
    language = _field(form, "language").strip()
    if language and language not in LANGUAGE_NAMES:
        errors[FORM_FIELDS["language"]] = "Choisissez une langue de la liste."
        language = ""
    return authors[:MAX_AUTHORS], keywords[:MAX_KEYWORDS], language


def _field(form: FormData, name: str) -> str:
    raw = form.get(FORM_FIELDS[name], "")
    return raw if isinstance(raw, str) else ""  # a file sent in a text field counts as empty
