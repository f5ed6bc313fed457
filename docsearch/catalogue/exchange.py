"""The catalogue in other hands: CSV export and import, and Dublin Core.

``COLUMNS`` is the one table of what leaves and comes back: each column of
the CSV, the ``StaffMetadata`` field an import may set through it (none for
the read-only ones: id, path, hash, dates), and the Dublin Core element it
feeds. A new field of the record is one line here.

The CSV is UTF-8 with a BOM and ``;``-separated: Excel in a French locale
opens it with a double click only so (with ``,`` it puts every row in one
cell, since the comma is the decimal separator there). Sectors are codes
joined by ``|``. An import reads ``;``, ``,`` or tabs (the header line says
which), UTF-8 with or without a BOM, and Windows-1252 (what Excel writes as
"CSV" in France), saying so. It compares each row with the record as it is
now: an empty cell changes nothing, an equal value changes nothing, so a
CSV export imported again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.errors import UserError

DELIMITER = ";"
SECTOR_JOIN = "|"
BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet: a title
# "=HYPERLINK(…)" in a hostile PDF would run when staff open the export. It
# is written behind a quote (OWASP's advice), which the import takes off.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The media type of each reader's kind (``Document.format``), for dc:format.
MEDIA_TYPES = {
    "pdf": "application/pdf", "html": "text/html", "text": "text/plain", "markdown": "text/markdown",
    "rtf": "application/rtf", "epub": "application/epub+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text", "odp": "application/vnd.oasis.opendocument.presentation",
    "ods": "application/vnd.oasis.opendocument.spreadsheet", "doc": "application/msword",
    "ppt": "application/vnd.ms-powerpoint", "xls": "application/vnd.ms-excel",
    "jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff",
}


@dataclass(frozen=True)
class CatalogueRecord:
    """One published document as it is handed out: codes, not labels."""

    id: str
    relpath: str
    sha256: str
    format: str
    title: str
    sectors: tuple[str, ...]
    year: int | None
    doctype: str
    summary: str = ""
    organisation: str = ""
    territory: str = ""
    url: str = ""  # the address of a saved web page
    added: str = ""  # ISO date and time the file entered the corpus
    changed: str = ""  # UTC "YYYY-MM-DDThh:mm:ssZ": the file or its sidecar, whichever changed last
    pages: int = 0
    authors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    language: str = ""  # ISO 639-1
    cote: str = ""  # call number


Labels = Callable[[CatalogueRecord, Vocabulary], list[str]]


@dataclass(frozen=True)
class Column:
    header: str  # in the CSV (French, ASCII; an import also accepts accents and capitals)
    label: str  # what staff read in an import's preview
    export: Callable[[CatalogueRecord], str]
    field: str = ""  # the StaffMetadata field an import sets; "" for a read-only column
    dc: str = ""  # the Dublin Core element it feeds
    dc_values: Labels | None = None  # its values there, when not the exported text
    # How an import reads a cell: "text"; "year" (four digits); "doctype" and
    # "sectors" (the vocabulary's codes, labels or synonyms; sectors joined by
    # "|"); "list" (free values joined by "|", as authors or keywords would be).
    kind: str = "text"


def _text(name: str) -> Callable[[CatalogueRecord], str]:
    return lambda record: str(getattr(record, name) or "")


def _joined(name: str) -> Callable[[CatalogueRecord], str]:
    return lambda record: SECTOR_JOIN.join(getattr(record, name))


COLUMNS: tuple[Column, ...] = (
    Column("id", "Identifiant", _text("id")),
    Column("chemin", "Chemin", _text("relpath")),
    Column("sha256", "Empreinte SHA-256", _text("sha256")),
    Column("titre", "Titre", _text("title"), "title", "title"),
    Column("secteurs", "Secteurs", _joined("sectors"), "sectors", "subject",
           lambda r, vocab: [vocab.sector_label(code) for code in r.sectors], kind="sectors"),
    Column("annee", "Année", _text("year"), "year", "date", kind="year"),
    Column("type", "Type de document", _text("doctype"), "doctype", "type",
           lambda r, vocab: [vocab.doctype_label(r.doctype)] if r.doctype else [], kind="doctype"),
    Column("organisation", "Organisation", _text("organisation"), "organisation", "publisher"),
    Column("territoire", "Territoire", _text("territory"), "territory", "coverage"),
    Column("resume", "Résumé", _text("summary"), "summary", "description"),
    Column("url", "Adresse d'origine", _text("url"), "url", "source"),
    Column("auteurs", "Auteurs", _joined("authors"), "authors", "creator", lambda r, vocab: list(r.authors), kind="list"),
    Column("mots_cles", "Mots-clés", _joined("keywords"), "keywords", "subject", lambda r, vocab: list(r.keywords),
           kind="list"),
    Column("langue", "Langue", _text("language"), "language", "language"),
    Column("cote", "Cote", _text("cote"), "cote", "identifier"),
    Column("format", "Format", _text("format"), "", "format",
           lambda r, vocab: [MEDIA_TYPES.get(r.format, "application/octet-stream")] if r.format else []),
    Column("pages", "Pages", _text("pages")),
    Column("date_ajout", "Date d'ajout", _text("added")),
    Column("date_modification", "Dernière modification", _text("changed")),
)
# A row is matched to a file by one of these, in this order.
MATCH_COLUMNS = ("chemin", "sha256", "id")


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_-]+", "_", plain.strip().lower())


_BY_HEADER = {_fold(c.header): c for c in COLUMNS}


# Export ----------------------------------------------------------------------


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(records: Iterable[CatalogueRecord]) -> str:
    """The CSV of these records (BOM, ``;``, CRLF: Excel's own shape)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    for record in records:
        writer.writerow([_cell(c.export(record)) for c in COLUMNS])
    return BOM + out.getvalue()


def dublin_core(record: CatalogueRecord, vocab: Vocabulary, identifier: str) -> list[tuple[str, str]]:
    """The record's Dublin Core elements (name without prefix, value), the
    page's address as dc:identifier."""
    elements = [("identifier", identifier)]
    for column in COLUMNS:
        if not column.dc:
            continue
        values = column.dc_values(record, vocab) if column.dc_values else [column.export(record)]
        elements += [(column.dc, v) for v in values if v]
    elements.append(("type", "Text"))  # the DCMI type vocabulary's, beside the centre's own type
    return elements


# Import ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str  # StaffMetadata's name
    label: str  # French, for the preview
    old: str
    new: str
    value: object  # what goes into StaffMetadata: text, a year, a tuple of sector codes


@dataclass
class ImportRow:
    line: int  # in the file, the header being line 1
    key: str  # what the row was matched by, as written
    relpath: str = ""  # the matched file ("" when none)
    doc_id: str = ""
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # French; a row with errors is not imported


@dataclass
class ImportPlan:
    rows: list[ImportRow]
    notes: list[str]  # about the file as a whole (its encoding, its separator)

    @property
    def changing(self) -> list[ImportRow]:
        return [row for row in self.rows if row.changes and not row.errors]

    @property
    def refused(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if not row.changes and not row.errors)

    def summary(self, done: bool = False) -> str:
        """"2 documents à modifier, 1 inchangé, 0 ligne refusée" (French: 0 and 1 are singular)."""
        changing, refused = len(self.changing), len(self.refused)
        verb = f"modifié{_s(changing)}" if done else "à modifier"
        return (f"{changing} document{_s(changing)} {verb}, {self.unchanged} inchangé{_s(self.unchanged)}, "
                f"{refused} ligne{_s(refused)} refusée{_s(refused)}")


def _s(count: int) -> str:
    return "s" if count > 1 else ""


def decode_csv(data: bytes) -> tuple[str, list[str]]:
    """The text of an uploaded CSV and what staff should know about how it was
    read; ``UserError`` for what is not a text file."""
    if not data.strip():
        raise UserError("Le fichier CSV est vide.")
    if b"\x00" in data[:4096]:
        raise UserError("Ce fichier n'est pas un CSV (contenu binaire : un classeur .xlsx ? "
                        "Enregistrez-le au format « CSV UTF-8 »).")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise UserError("Le fichier n'est ni en UTF-8 ni en Windows-1252 (Latin-1) : "
                        "enregistrez-le au format « CSV UTF-8 ».") from None
    return text, ["Le fichier n'est pas en UTF-8 : il a été lu en Windows-1252 (Latin-1, l'encodage du "
                  "« CSV » d'Excel). Vérifiez les accents dans l'aperçu ; « CSV UTF-8 » évite la question."]


def read_rows(text: str) -> tuple[list[Column], list[tuple[int, list[str]]], str]:
    """The columns of the header, the data rows with their line numbers, and
    the separator; ``UserError`` for a header that cannot be imported."""
    first = text.lstrip(BOM).split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text.lstrip(BOM)), delimiter=delimiter, strict=True)
    try:
        header = next(reader, [])
        columns: list[Column] = []
        unknown = []
        for name in header:
            column = _BY_HEADER.get(_fold(name))
            if column is None:
                unknown.append(name)
            elif column in columns:
                raise UserError(f"La colonne « {name} » apparaît deux fois dans l'en-tête.")
            else:
                columns.append(column)
        if unknown:
            known = ", ".join(c.header for c in COLUMNS)
            shown = ", ".join(f"« {u[:40]} »" for u in unknown[:10])
            raise UserError(f"Colonne{'s' if len(unknown) > 1 else ''} inconnue{'s' if len(unknown) > 1 else ''} : "
                            f"{shown}. Colonnes possibles : {known}.")
        if not any(c.header in MATCH_COLUMNS for c in columns):
            raise UserError("Il faut une colonne « chemin », « sha256 » ou « id » pour retrouver chaque document.")
        rows = []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise UserError(f"CSV mal formé à la ligne {reader.line_num} ({exc}) : "
                        "un guillemet est-il resté ouvert ?") from None
    return columns, rows, delimiter


def plan_import(data: bytes, records: Sequence[CatalogueRecord], vocab: Vocabulary) -> ImportPlan:
    """What importing this CSV would change, field by field, nothing written."""
    text, notes = decode_csv(data)
    columns, rows, delimiter = read_rows(text)
    if delimiter != DELIMITER:
        notes.append(f"Séparateur lu : « {'tabulation' if delimiter == chr(9) else delimiter} ».")
    index: dict[str, dict[str, CatalogueRecord]] = {name: {} for name in MATCH_COLUMNS}
    for record in records:
        index["chemin"][record.relpath] = record
        index["sha256"][record.sha256.lower()] = record
        index["id"][record.id] = record
    planned = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        values = {c.header: _uncell(cells[i]) if i < len(cells) else "" for i, c in enumerate(columns)}
        row = _match(line, values, index)
        if len(cells) > len(columns):
            row.errors.append(f"{len(cells)} cellules pour {len(columns)} colonnes : un séparateur en trop ?")
        found = index["id"].get(row.doc_id)
        if found is not None:
            if found.id in seen:
                row.errors.append(f"même document qu'à la ligne {seen[found.id]}")
            seen.setdefault(found.id, line)
            for column in columns:
                if column.field and values[column.header]:
                    _compare(row, column, found, values[column.header], vocab)
        planned.append(row)
    return ImportPlan(planned, notes)


def _uncell(value: str) -> str:
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:2] in _FORMULA_START and value[1:2] else value


def _match(line: int, values: dict[str, str], index: dict[str, dict[str, CatalogueRecord]]) -> ImportRow:
    given = [(name, values[name]) for name in MATCH_COLUMNS if values.get(name)]
    if not given:
        return ImportRow(line, "", errors=["ni chemin, ni sha256, ni id : la ligne ne désigne aucun document"])
    found = {name: index[name].get(value.lower() if name == "sha256" else value) for name, value in given}
    name, key = given[0]
    row = ImportRow(line, key)
    matched = [r for r in found.values() if r is not None]
    if not matched:
        row.errors.append(f"aucun document du fonds ne correspond ({name} « {key[:80]} »)")
    elif len({r.id for r in matched}) > 1 or len(matched) < len(found):
        row.errors.append("le chemin, l'empreinte et l'identifiant de la ligne désignent des documents différents")
    else:
        row.relpath, row.doc_id = matched[0].relpath, matched[0].id
    return row


def _compare(row: ImportRow, column: Column, record: CatalogueRecord, cell: str, vocab: Vocabulary) -> None:
    current = getattr(record, column.field)
    new: object
    shown: str
    old_shown: str
    if column.kind == "list":
        items = tuple(dict.fromkeys(part.strip() for part in cell.split(SECTOR_JOIN) if part.strip()))
        if items == tuple(current):
            return
        new, shown, old_shown = items, ", ".join(items), ", ".join(current)
    elif column.kind == "sectors":
        codes = []
        for part in re.split(r"[|,;]", cell):
            if not part.strip():
                continue
            code = vocab.sector_code(part.strip())
            if code is None:
                row.errors.append(f"secteur inconnu « {part.strip()[:80]} » (colonne {column.header})")
            elif code not in codes:
                codes.append(code)
        new = tuple(codes)
        shown = ", ".join(vocab.sector_label(c) for c in codes)
        old_shown = ", ".join(vocab.sector_label(c) for c in current)
        if row.errors or new == tuple(current):
            return
    elif column.kind == "doctype":
        code = vocab.doctype_code(cell)
        if code is None:
            row.errors.append(f"type de document inconnu « {cell[:80]} » (colonne {column.header})")
            return
        new, shown, old_shown = code, vocab.doctype_label(code), vocab.doctype_label(current) if current else ""
        if code == current:
            return
    elif column.kind == "year":
        if not re.fullmatch(r"\d{4}", cell) or not 1000 <= int(cell) <= 9999:
            row.errors.append(f"année invalide « {cell[:20]} » (colonne {column.header} : quatre chiffres)")
            return
        new, shown, old_shown = int(cell), cell, str(current or "")
        if new == current:
            return
    else:
        new, shown, old_shown = cell, cell, str(current or "").strip()
        if cell == old_shown:
            return
    row.changes.append(Change(column.field, column.label, old_shown, shown, new))
