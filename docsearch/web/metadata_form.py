"""The metadata form of the staff pages: its initial values and its checks.

Field names are the keys of the staff metadata file (``titre``,
``secteurs``, ``annee``, ``type``, ``resume``, ``organisation``,
``territoire``), so what staff confirm is written as is.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from docsearch.catalogue.records import Metadata
from docsearch.text import clean_line
from docsearch.catalogue.vocabulary import Vocabulary

MAX_TEXT = {"titre": 300, "resume": 2000, "organisation": 200, "territoire": 200}


FIELDS = ("title", "sectors", "year", "doctype", "summary", "organisation", "territory")


def found_labels(origins: dict[str, str]) -> dict[str, str]:
    """For each field, what the form says of its value: trouvé, déduit or manquant."""
    labels = {}
    for field in FIELDS:
        origin = origins.get(field, "default")
        labels[field] = "manquant" if origin == "default" else ("déduit" if origin in ("text", "format") else "trouvé")
    return labels


def initial_values(meta: Metadata) -> dict[str, Any]:
    return {
        "titre": meta.title, "secteurs": [s for s in meta.sectors if s != "non-classe"],
        "annee": meta.year or "", "type": meta.doctype, "resume": meta.summary,
        "organisation": meta.organisation, "territoire": meta.territory,
    }


def form_values(form: FormData, vocab: Vocabulary) -> tuple[dict[str, Any], dict[str, str]]:
    """The staff metadata a form sends, and the French error of each wrong field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in MAX_TEXT.items():
        raw = form.get(name, "")
        text = clean_line(raw if isinstance(raw, str) else "")  # a file sent in a text field counts as empty
        if len(text) > limit:
            errors[name] = f"{limit} caractères au plus."
        values[name] = text[:limit]
    if not values["titre"]:
        errors["titre"] = "Le titre est obligatoire."
    sectors = [s for s in form.getlist("secteurs") if isinstance(s, str)]
    unknown = [s for s in sectors if vocab.sector_code(s) is None]
    values["secteurs"] = [vocab.sector_code(s) for s in sectors if vocab.sector_code(s)]
    if unknown:
        errors["secteurs"] = "Secteur inconnu : " + ", ".join(unknown[:3])
    elif not values["secteurs"]:
        errors["secteurs"] = "Choisissez au moins un secteur (« Non classé » si aucun ne convient)."
    raw_year = form.get("annee", "")
    year = raw_year.strip() if isinstance(raw_year, str) else ""
    if year and not (len(year) == 4 and year.isascii() and year.isdigit() and 1900 <= int(year) <= 2100):
        errors["annee"] = "Une année de 1900 à 2100, ou rien si elle est inconnue."
        values["annee"] = year[:10]
    else:
        values["annee"] = int(year) if year else ""
    raw_type = form.get("type", "")
    doctype = vocab.doctype_code(raw_type if isinstance(raw_type, str) else "")
    if doctype is None:
        errors["type"] = "Choisissez un type de document."
    values["type"] = doctype or ""
    return values, errors
