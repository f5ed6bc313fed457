""""Ma sélection" as a reading list: CSV, RIS and BibTeX, built on the server from ids.

The selection itself lives in the visitor's browser (``localStorage``, no
account; ``web/static/selection.js``); its page asks
``/selection.csv?ids=a,b,c`` (or ``.ris``, ``.bib``) for the export. Ids
are checked (twelve hex digits, at most ``MAX_IDS``); an id the index no
longer has is left out. Each format has one function from the documents
(``DocumentView``) to its text, and ``EXPORTS`` is their table by suffix.

- CSV: ``;``-separated with a UTF-8 byte order mark (what a French
  spreadsheet opens as columns); a cell starting with ``= + - @`` gets a
  leading ``'`` so that no spreadsheet runs it as a formula.
- RIS (Zotero, EndNote, Mendeley): one record per document, ``TY`` from
  the document type (``RIS_TYPES``), ``AU`` its authors, ``KW`` its sectors and keywords.
- BibTeX: ``@techreport`` for reports and studies, ``@misc`` otherwise;
  the characters TeX treats specially (``\\ { } % & $ # _ ^ ~``) escaped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from docsearch.errors import QueryError
from docsearch.search.service import DocumentView, SearchService
from docsearch.web.urls import Urls

MAX_IDS = 500
_ID = re.compile(r"[0-9a-f]{12}")
PUBLISHER = "Centre de ressources de l'ESS"
# Document type code → RIS type; any other type (the vocabulary may grow) is GEN.
RIS_TYPES = {"rapport-activite": "RPRT", "etude": "RPRT", "plaquette": "PAMP", "fiche-secteur": "GEN", "page-web": "ELEC",
             "guide": "BOOK", "compte-rendu": "RPRT", "statuts": "LEGAL", "courrier": "PCOMM", "texte-juridique": "LEGAL",
             "presentation": "SLIDE", "dossier-presse": "NEWS", "liste-donnees": "DATA", "formulaire": "GEN"}
BIBTEX_REPORTS = {"rapport-activite", "etude"}
_TEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
                 "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}
_TEX = re.compile("|".join(re.escape(c) for c in _TEX_SPECIALS))


@dataclass(frozen=True)
class Entry:
    """A document of the selection, with its permanent address on this site."""

    document: DocumentView
    permalink: str


def parse_ids(raw: str) -> list[str]:
    """``a,b,c`` → the ids, in order, without repeats; a malformed one is a ``QueryError`` (HTTP 400)."""
    ids = list(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
    if len(ids) > MAX_IDS:
        raise QueryError(f"Trop de documents dans la sélection : {len(ids)} (au plus {MAX_IDS}).")
    bad = [i for i in ids if not _ID.fullmatch(i)]
    if bad:
        raise QueryError(f"Identifiant de document invalide : « {bad[0][:40]} ».")
    return ids


def to_csv(entries: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Titre", "Type", "Année", "Secteurs", "Organisation", "Territoire", "Résumé", "Adresse", "Source"])
    for e in entries:
        d = e.document
        writer.writerow([_cell(v) for v in (d.title, d.type.label, str(d.year or ""), ", ".join(s.label for s in d.sectors),
                                            d.organisation, d.territory, d.summary, e.permalink, d.url)])
    return "\ufeff" + out.getvalue()


def to_ris(entries: list[Entry]) -> str:
    records = []
    for e in entries:
        d = e.document
        lines = [("TY", RIS_TYPES.get(d.type.code, "GEN")), ("TI", d.title)]
        lines += [("AU", name) for name in d.authors]
        lines += [("PY", str(d.year))] if d.year else []
        lines += [("PB", d.organisation)] if d.organisation else []
        lines += [("CY", d.territory)] if d.territory else []
        lines += [("KW", s.label) for s in d.sectors] + [("KW", k) for k in d.keywords]
        lines += [("LA", d.language.code)] if d.language.code else []
        lines += [("M3", d.type.label), ("AB", d.summary), ("UR", e.permalink)]
        lines += [("UR", d.url)] if d.url else []
        lines += [("DB", PUBLISHER), ("ID", d.id), ("ER", "")]
        records.append("".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines if value or tag == "ER"))
    return "".join(records)


def to_bibtex(entries: list[Entry]) -> str:
    records = []
    for e in entries:
        d = e.document
        kind = "techreport" if d.type.code in BIBTEX_REPORTS else "misc"
        fields = [("title", "{" + tex(d.title) + "}")]  # double braces: BibTeX keeps its capitals
        if d.authors:  # BibTeX separates people by "and"
            fields.append(("author", " and ".join(tex(name) for name in d.authors)))
        if d.organisation and (kind == "techreport" or not d.authors):
            fields.append(("institution" if kind == "techreport" else "author", "{" + tex(d.organisation) + "}"))
        elif kind == "techreport":
            fields.append(("institution", tex(PUBLISHER)))
        if d.year:
            fields.append(("year", str(d.year)))
        fields += [("type", tex(d.type.label)), ("keywords", tex(", ".join([s.label for s in d.sectors] + list(d.keywords)))),
                   ("language", d.language.code),
                   ("abstract", tex(d.summary)), ("url", _url(d.url or e.permalink)), ("note", tex(f"{PUBLISHER}, {e.permalink}"))]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        records.append(f"@{kind}{{ess-{d.id},\n{body}\n}}\n")
    return "\n".join(records)


def tex(text: str) -> str:
    """``text`` with TeX's special characters escaped, on one line."""
    return _TEX.sub(lambda m: _TEX_SPECIALS[m.group()], _one_line(text))


def _url(url: str) -> str:
    """An address in a BibTeX field: read as is by the url package, so only its braces are encoded."""
    return url.replace("{", "%7B").replace("}", "%7D")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@dataclass(frozen=True)
class Export:
    build: Callable[[list[Entry]], str]
    media_type: str
    filename: str


EXPORTS = {
    "csv": Export(to_csv, "text/csv; charset=utf-8", "ma-selection.csv"),
    "ris": Export(to_ris, "application/x-research-info-systems; charset=utf-8", "ma-selection.ris"),
    "bib": Export(to_bibtex, "application/x-bibtex; charset=utf-8", "ma-selection.bib"),
}


def export_response(service: SearchService, request: Request, format: str) -> Response:
    """``/selection.{csv,ris,bib}?ids=…``: the documents of these ids, as a file to save."""
    export = EXPORTS[format]
    urls = Urls.of(request)
    entries = []
    for doc_id in parse_ids(request.query_params.get("ids", "")):
        document = service.document(doc_id)
        if document is not None:  # gone from the index since it was selected
            entries.append(Entry(document, urls.absolute(urls.document(doc_id))))
    return Response(export.build(entries), media_type=export.media_type,
                    headers={"content-disposition": f'attachment; filename="{export.filename}"'})
