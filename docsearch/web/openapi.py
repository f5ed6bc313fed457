"""The OpenAPI description of the JSON interface (served at /openapi.json)."""

from __future__ import annotations

from typing import Any

from docsearch.catalogue.language import LANGUAGE_NAMES
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.extraction.registry import READERS
from docsearch.index.backend import FACET_KEYS, FACETS

PARAM = {f.key: f.param for f in FACETS}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "Paramètre invalide"),
    "503": _json(_ref("Error"), "Index pas encore construit"),
}

def search_parameters(sectors: list[str], doctypes: list[str]) -> list[dict[str, Any]]:
    return [
    {"name": "q", "in": "query", "description": "Mots, question, \"phrase\", AND/OR/NOT, titre:, secteur:, annee:, type:, "
     "auteur:, motcle:, langue:, préfixe* (au-delà de 500 caractères, la fin est ignorée)", "schema": {"type": "string"}},
    # An empty value is ignored, as an empty form field.
    {"name": PARAM["sectors"], "in": "query", "description": "Code d'un secteur (répétable, OU ; le libellé est aussi accepté)",
     "schema": {"type": "array", "items": {"type": "string", "enum": [*sectors, ""]}}, "style": "form", "explode": True},
    {"name": PARAM["types"], "in": "query", "description": "Code d'un type de document (répétable, OU)",
     "schema": {"type": "array", "items": {"type": "string", "enum": [*doctypes, ""]}}, "style": "form", "explode": True},
    {"name": PARAM["years"], "in": "query", "description": "Une année, ou « inconnue »",
     "schema": {"type": "string", "pattern": "^([1-9][0-9]{3}|inconnue)?$"}},
    # The codes are the schema; a French name ("anglais") is also understood, an unknown language is a 400.
    {"name": PARAM["languages"], "in": "query", "description": "Code ISO 639-1 d'une langue (répétable, OU) : fr, en…",
     "schema": {"type": "array", "items": {"type": "string", "enum": [*sorted(LANGUAGE_NAMES), ""]}},
     "style": "form", "explode": True},
    {"name": PARAM["keywords"], "in": "query", "description": "Un mot-clé (répétable, OU ; un synonyme du thésaurus vaut son terme)",
     "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
    # Forms send empty fields: an empty value means "not given".
    {"name": "de", "in": "query", "schema": {"type": "string", "pattern": "^([1-9][0-9]{3})?$"}},
    {"name": "a", "in": "query", "schema": {"type": "string", "pattern": "^([1-9][0-9]{3})?$"}},
    {"name": "tri", "in": "query", "schema": {"type": "string", "enum": ["pertinence", "date", "recents", ""]}},
    {"name": "page", "in": "query", "schema": {"type": "string", "pattern": "^([1-9][0-9]{0,2}|1000)?$"}},
    {"name": "par_page", "in": "query", "schema": {"type": "string", "pattern": "^([1-9][0-9]?|100)?$"}},
    {"name": "tel_quel", "in": "query", "description": "1 : les mots tels quels, sans correction d'un mot inconnu de l'index",
     "schema": {"type": "string", "enum": ["1", ""]}},
    ]

CODE_LABEL = {"type": "object", "required": ["code", "label"],
              "properties": {"code": {"type": "string"}, "label": {"type": "string"}}}
FACET_VALUE = {"type": "object", "required": ["value", "label", "count"],
               "properties": {"value": {"type": "string"}, "label": {"type": "string"},
                              "count": {"type": "integer"}, "selected": {"type": "boolean"}}}
DOCUMENT_FIELDS = {
    "id": {"type": "string"}, "title": {"type": "string"}, "source": {"type": "string"},
    "relpath": {"type": "string"}, "url": {"type": "string"}, "format": {"type": "string", "enum": sorted(READERS)},
    "sectors": {"type": "array", "items": CODE_LABEL}, "year": {"type": ["integer", "null"]},
    "type": CODE_LABEL, "summary": {"type": "string"},
    "page_url": {"type": "string"}, "file_url": {"type": "string"}, "json_url": {"type": "string"},
}
# A document's page: its hit's fields and what only the page shows.
DOCUMENT_PAGE_FIELDS = {
    **DOCUMENT_FIELDS, "page_count": {"type": "integer"}, "size": {"type": "integer"}, "added": {"type": "string"},
    "first_lines": {"type": "string"},
    "ocr_pages": {"type": "array", "items": {"type": "integer"},
                  "description": "Pages dont le texte a été reconnu automatiquement (OCR)"},
    "ocr_language": {"type": "string", "description": "Langue(s) de la reconnaissance : fra+eng"},
    "authors": {"type": "array", "items": {"type": "string"}},
    "keywords": {"type": "array", "items": {"type": "string"}},
    "language": {**CODE_LABEL, "description": "Code ISO 639-1 et nom ; code vide si inconnue"},
    "cote": {"type": "string", "description": "Cote (rangement)"},
    "permalink": {"type": "string"},
}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["ok", "error", "status"],
              "properties": {"ok": {"const": False}, "error": {"type": "string"}, "status": {"type": "integer"}}},
    "Snippet": {"type": "object", "required": ["page", "html"],
                "properties": {"page": {"type": ["integer", "null"]},
                               "html": {"type": "string", "description": "Texte échappé, mots trouvés dans <mark>"}}},
    "Hit": {"type": "object", "required": ["id", "title", "sectors", "year", "type", "pages", "snippets"],
            "properties": {**DOCUMENT_FIELDS, "score": {"type": ["number", "null"]},
                           "added": {"type": "string", "description": "Date d'ajout au fonds (ISO 8601)"},
                           "pages": {"type": "array", "items": {"type": "integer"}},
                           "snippets": {"type": "array", "items": _ref("Snippet")}}},
    "Facets": {"type": "object", "required": list(FACET_KEYS),
               "properties": {k: {"type": "array", "items": FACET_VALUE} for k in FACET_KEYS}},
    "SearchResult": {
        "type": "object", "required": ["ok", "query", "total", "page", "per_page", "page_count", "hits", "facets"],
        "properties": {"ok": {"const": True}, "query": {"type": "string"}, "note": {"type": ["string", "null"]},
                       "suggestion": {"type": ["string", "null"]},
                       "corrected": {"type": ["string", "null"], "description": "La correction cherchée à la place de query"},
                       "total": {"type": "integer"},
                       "page": {"type": "integer"}, "per_page": {"type": "integer"}, "page_count": {"type": "integer"},
                       "sort": {"type": "string"}, "filters": {"type": "object"},
                       "hits": {"type": "array", "items": _ref("Hit")}, "facets": _ref("Facets"),
                       "links": {"type": "object"}}},
    "Suggestions": {"type": "object", "required": ["q", "suggestions"],
                    "properties": {"q": {"type": "string"}, "suggestions": {"type": "array", "items": {
                        "type": "object", "required": ["label", "kind"],
                        "properties": {"label": {"type": "string"}, "kind": {"type": "string", "enum": ["mot", "titre"]},
                                       "url": {"type": "string"}}}}}},
    "Home": {"type": "object", "required": ["ok", "total", "facets", "newest"],
             "properties": {"ok": {"const": True}, "total": {"type": "integer"}, "facets": _ref("Facets"),
                            "newest": {"type": "array", "items": _ref("Hit")}}},
    "Document": {"type": "object", "required": ["ok", "document", "similar"],
                 "properties": {"ok": {"const": True},
                                "document": {"type": "object", "required": ["id", "title"], "properties": DOCUMENT_PAGE_FIELDS},
                                "similar": {"type": "array", "items": {"type": "object"}}}},
}


def openapi_document(server: str, vocab: Vocabulary) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "docsearch — centre de ressources de l'ESS", "version": "1",
                 "description": "Chaque page du site a son double JSON."},
        "servers": [{"url": server}],
        "paths": {
            "/index.json": {"get": {"summary": "Accueil : totaux par secteur, année et type, nouveautés",
                                    "responses": {"200": _json(_ref("Home"), "Accueil"), "503": ERRORS["503"]}}},
            "/search.json": {"get": {"summary": "Rechercher",
                                     "parameters": search_parameters(list(vocab.sectors), list(vocab.doctypes)),
                                     "responses": {"200": _json(_ref("SearchResult"), "Résultats"), **ERRORS}}},
            "/suggest.json": {"get": {
                "summary": "Autocomplétion : mots de l'index et titres commençant comme le texte tapé",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _json(_ref("Suggestions"), "Suggestions"), "503": ERRORS["503"]}}},
            "/documents/{doc_id}.json": {"get": {
                "summary": "Un document, ses métadonnées et des documents similaires",
                "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json(_ref("Document"), "Document"),
                              "404": _json(_ref("Error"), "Document introuvable"), "503": ERRORS["503"]}}},
        },
        "components": {"schemas": SCHEMAS},
    }
