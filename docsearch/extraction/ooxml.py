"""Word, PowerPoint and Excel packages (OOXML, transitional and strict), read
with the standard library: ``zipfile`` through ``SafeZip`` and ElementTree.

Parsing the parts ourselves keeps what a visitor searches that libraries
often leave out: footnotes and endnotes, comments, headers and footers, text
boxes (once: the VML fallback copy is skipped), speaker notes, sheet names.
Tags are matched by local name, so strict OOXML (other namespaces) reads the
same. Deleted text of tracked changes is left out: the document says what
its accepted version says.

Pages: a slide or a sheet is a page; a Word document is cut at its rendered
page breaks (``w:lastRenderedPageBreak``) when Word saved them, else at its
hard page breaks; notes go to the page that cites them.
"""

from __future__ import annotations

import posixpath
import re
from xml.etree.ElementTree import Element

from docsearch.errors import ExtractionError
from docsearch.extraction.containers import OLE_MAGIC, SafeZip, parse_xml
from docsearch.extraction.extracted import Extracted
from docsearch.text import clean_line, clean_text


def local(tag: object) -> str:
    name = tag if isinstance(tag, str) else ""
    return name.rsplit("}", 1)[-1]


def attr(element: Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace; a namespaced one
    wins (``r:id`` beside a plain ``id``)."""
    found = None
    for key, value in element.attrib.items():
        if local(key) == name:
            if key.startswith("{"):
                return value
            found = value
    return found


def open_package(data: bytes, label: str) -> SafeZip:
    if data.startswith(OLE_MAGIC):
        raise ExtractionError("encrypted", f"protégé par un mot de passe ({label}, paquet chiffré)")
    return SafeZip(data)


def read_part(package: SafeZip, name: str) -> Element | None:
    """A part's XML tree, or None if the package lacks it."""
    found = package.find(name)
    if found is None:
        return None
    return parse_xml(package.read(found), name)


def relationships(package: SafeZip, part: str) -> dict[str, tuple[str, str]]:
    """The relationships of a part: id -> (type's last word, target part)."""
    folder, name = posixpath.split(part)
    tree = None
    try:
        tree = read_part(package, posixpath.join(folder, "_rels", name + ".rels"))
    except ExtractionError:
        pass  # damaged relationships: callers fall back on the usual part names
    found: dict[str, tuple[str, str]] = {}
    if tree is None:
        return found
    for rel in tree.iter():
        if local(rel.tag) != "Relationship" or attr(rel, "TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], path)
    return found


def main_part(package: SafeZip, default: str) -> str:
    for kind, target in relationships(package, "").values():
        if kind == "officeDocument" and package.find(target):
            return package.find(target) or target
    return package.find(default) or default


def core_properties(package: SafeZip) -> dict[str, str]:
    """Title, subject, keywords, author, date from ``docProps/core.xml``."""
    try:
        tree = read_part(package, "docProps/core.xml")
    except ExtractionError:
        return {}
    if tree is None:
        return {}
    values = {local(child.tag): clean_line("".join(child.itertext())) for child in tree}
    return embedded_meta(values)


def embedded_meta(values: dict[str, str]) -> dict[str, str]:
    """Office document properties (OOXML core, ODF meta) → the keys the PDF reader uses."""
    meta: dict[str, str] = {}
    for source, name in (("title", "title"), ("subject", "subject"), ("description", "subject"),
                         ("keywords", "keywords"), ("keyword", "keywords"), ("creator", "author"),
                         ("initial-creator", "author")):
        if values.get(source) and name not in meta:
            meta[name] = values[source][:500]
    for source in ("created", "creation-date", "date", "modified"):
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", values.get(source, ""))
        if match and match.group(1) > "1900":
            meta["date"] = match.group(0)
            break
    return meta


def finish(kind: str, pages: list[str], meta: dict[str, str], what: str) -> Extracted:
    cleaned = [clean_text(page) for page in pages]
    while len(cleaned) > 1 and not cleaned[-1]:
        cleaned.pop()
    if not any(cleaned):
        raise ExtractionError("no-text", f"{what} sans texte (images seulement ?)")
    return Extracted(format=kind, pages=cleaned, meta=meta)


# ---------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------

_SKIP_WORD = frozenset({"delText", "instrText", "delInstrText", "Fallback", "rPr", "pPr", "sectPr", "tblPr", "fldData"})
_NOTE_REFS = {"footnoteReference": "footnote", "endnoteReference": "endnote", "commentReference": "comment"}


class _WordText:
    """Walks WordprocessingML, cutting pages and noting where notes are cited."""

    def __init__(self, page_marks: frozenset[str]) -> None:
        self.page_marks = page_marks
        self.pages: list[list[str]] = [[]]
        self.page_has_text = False
        self.cited: dict[tuple[str, str], int] = {}  # (note kind, id) -> page
        self.boxes: list[list[str]] = []  # text boxes being read (they nest)
        self.deferred: list[str] = []  # text boxes, written after their paragraph

    def out(self) -> list[str]:
        return self.boxes[-1] if self.boxes else self.pages[-1]

    def walk(self, element: Element) -> None:
        for child in element:
            name = local(child.tag)
            if name in _SKIP_WORD:
                continue
            if name == "t":
                self.out().append(child.text or "")
                self.page_has_text = self.page_has_text or bool(child.text and child.text.strip())
            elif name == "tab":
                self.out().append("\t")
            elif name in ("br", "cr"):
                if name == "br" and attr(child, "type") == "page" and "br" in self.page_marks and not self.boxes:
                    self._new_page()
                else:
                    self.out().append("\n")
            elif name == "lastRenderedPageBreak":
                if "rendered" in self.page_marks and not self.boxes and self.page_has_text:
                    self._new_page()
            elif name in _NOTE_REFS:
                self.cited.setdefault((_NOTE_REFS[name], attr(child, "id") or ""), len(self.pages) - 1)
            elif name == "txbxContent":
                self.boxes.append([])
                self.walk(child)
                box = "".join(self.boxes.pop())
                (self.boxes[-1] if self.boxes else self.deferred).append(box + "\n")
            else:
                self.walk(child)
                if name == "p":
                    self.out().append("\n")
                    if self.deferred and not self.boxes:
                        self.out().append("".join(self.deferred))
                        self.deferred.clear()
                elif name == "tc":
                    self.out().append("\t")
                elif name == "tr":
                    self.out().append("\n")

    def _new_page(self) -> None:
        self.pages.append([])
        self.page_has_text = False


def _page_marks(xml: bytes) -> frozenset[str]:
    if b"lastRenderedPageBreak" in xml:
        return frozenset({"rendered"})
    return frozenset({"br"})


def _word_notes(package: SafeZip, part: str, kind: str) -> dict[str, str]:
    tree = read_part(package, part)
    notes: dict[str, str] = {}
    if tree is None:
        return notes
    for note in tree:
        if local(note.tag) not in ("footnote", "endnote", "comment"):
            continue
        if attr(note, "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        walker = _WordText(frozenset())
        walker.walk(note)
        text = "".join(walker.pages[0]).strip()
        if text:
            notes[attr(note, "id") or ""] = text
    return notes


def extract_docx(data: bytes) -> Extracted:
    package = open_package(data, "document Word")
    main = main_part(package, "word/document.xml")
    if package.find(main) is None:
        raise ExtractionError("corrupt", "paquet Word sans document principal (fichier tronqué ?)")
    raw = package.read(package.find(main) or main)
    tree = parse_xml(raw, main)
    walker = _WordText(_page_marks(raw))
    walker.walk(tree)
    if walker.deferred:
        walker.pages[-1].append("\n" + "".join(walker.deferred))
    pages = ["".join(parts) for parts in walker.pages]
    rels = relationships(package, main)
    folder = posixpath.dirname(main)

    def parts_of(kind: str, pattern: str) -> list[str]:
        found = [target for rel_kind, target in rels.values() if rel_kind == kind and package.find(target)]
        if not found:
            found = sorted(n for n in package.names() if re.fullmatch(posixpath.join(folder, pattern), n))
        return found

    # Notes at the end of the page that cites them (the last page if uncited).
    for kind, rel_kind, pattern in (("footnote", "footnotes", r"footnotes\.xml"), ("endnote", "endnotes", r"endnotes\.xml"),
                                    ("comment", "comments", r"comments\.xml")):
        for part in parts_of(rel_kind, pattern):
            for note_id, text in _word_notes(package, part, kind).items():
                page = walker.cited.get((kind, note_id), len(pages) - 1)
                pages[page] += "\n" + text
    # Headers and footers repeat on every page: written once, on the first.
    seen: set[str] = set()
    for part in parts_of("header", r"header\d*\.xml") + parts_of("footer", r"footer\d*\.xml"):
        tree_hf = read_part(package, part)
        if tree_hf is None:
            continue
        hf = _WordText(frozenset())
        hf.walk(tree_hf)
        text = "".join(hf.pages[0]) + "".join(hf.deferred)
        if text.strip() and text.strip() not in seen:
            seen.add(text.strip())
            pages[0] += "\n" + text
    return finish("docx", pages, core_properties(package), "document Word")


# ---------------------------------------------------------------------------
# PowerPoint
# ---------------------------------------------------------------------------


def _drawing_text(tree: Element | None) -> str:
    """Text of DrawingML shapes and tables: a:t runs, paragraphs, cells."""
    if tree is None:
        return ""
    out: list[str] = []

    def walk(element: Element) -> None:
        for child in element:
            name = local(child.tag)
            if name == "Fallback":
                continue
            if name == "t" or name == "text":
                out.append(child.text or "")
            elif name == "br":
                out.append("\n")
            else:
                walk(child)
                if name in ("p", "cm"):
                    out.append("\n")
                elif name == "tc":
                    out.append("\t")

    walk(tree)
    return "".join(out)


def _slide_order(package: SafeZip, main: str) -> list[str]:
    rels = relationships(package, main)
    tree = read_part(package, main)
    order: list[str] = []
    if tree is not None:
        for element in tree.iter():
            if local(element.tag) == "sldId":
                rel = rels.get(attr(element, "id") or "")
                if rel and package.find(rel[1]):
                    order.append(package.find(rel[1]) or rel[1])
    if not order:
        numbered = [n for n in package.names() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        order = sorted(numbered, key=lambda n: int(re.findall(r"\d+", n)[-1]))
    return order


def extract_pptx(data: bytes) -> Extracted:
    package = open_package(data, "présentation PowerPoint")
    main = main_part(package, "ppt/presentation.xml")
    pages: list[str] = []
    for slide in _slide_order(package, main):
        parts = [_drawing_text(read_part(package, slide))]
        for kind, target in relationships(package, slide).values():
            if kind in ("notesSlide", "comments", "comment") and package.find(target):
                parts.append(_drawing_text(read_part(package, target)))
        pages.append("\n".join(parts))
    if not pages:
        raise ExtractionError("corrupt", "présentation sans diapositive lisible")
    return finish("pptx", pages, core_properties(package), "présentation")


# ---------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------


def _shared_strings(package: SafeZip, workbook: str) -> list[str]:
    parts = [t for kind, t in relationships(package, workbook).values() if kind == "sharedStrings"]
    tree = read_part(package, parts[0] if parts else "xl/sharedStrings.xml")
    if tree is None:
        return []
    strings = []
    for item in tree:
        if local(item.tag) == "si":
            # rPh holds phonetic readings, not the text.
            strings.append("".join(t.text or "" for t in _iter_skipping(item, "rPh") if local(t.tag) == "t"))
    return strings


def _iter_skipping(element: Element, skipped: str) -> list[Element]:
    found: list[Element] = []
    for child in element:
        if local(child.tag) == skipped:
            continue
        found.append(child)
        found.extend(_iter_skipping(child, skipped))
    return found


def _sheet_text(tree: Element, strings: list[str]) -> str:
    rows: list[str] = []
    for row in tree.iter():
        if local(row.tag) != "row":
            continue
        cells: list[str] = []
        for cell in row:
            if local(cell.tag) != "c":
                continue
            kind = cell.get("t")
            value = next((child for child in cell if local(child.tag) == "v"), None)
            if kind == "s" and value is not None and (value.text or "").strip().isdigit():
                index = int((value.text or "").strip())
                cells.append(strings[index] if index < len(strings) else "")
            elif kind == "inlineStr":
                cells.append("".join(t.text or "" for t in cell.iter() if local(t.tag) == "t"))
            elif kind == "str" and value is not None:
                cells.append(value.text or "")
            # Numbers and dates are left out: serial numbers would be noise.
        if any(c.strip() for c in cells):
            rows.append("\t".join(c for c in cells if c.strip()))
    return "\n".join(rows)


def extract_xlsx(data: bytes) -> Extracted:
    package = open_package(data, "classeur Excel")
    workbook = main_part(package, "xl/workbook.xml")
    strings = _shared_strings(package, workbook)
    rels = relationships(package, workbook)
    tree = read_part(package, workbook)
    sheets: list[tuple[str, str]] = []
    if tree is not None:
        for sheet in tree.iter():
            if local(sheet.tag) == "sheet":
                rel = rels.get(attr(sheet, "id") or "")
                target = rel[1] if rel else ""
                sheets.append((sheet.get("name") or "", package.find(target) or ""))
    if not any(path for _, path in sheets):
        numbered = sorted((n for n in package.names() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                          key=lambda n: int(re.findall(r"\d+", n)[-1]))
        sheets = [("", n) for n in numbered]
    pages: list[str] = []
    for name, path in sheets:
        parts = [name]
        if path:
            sheet_tree = read_part(package, path)
            if sheet_tree is not None:
                parts.append(_sheet_text(sheet_tree, strings))
            for kind, target in relationships(package, path).values():
                if kind == "comments" and package.find(target):
                    parts.append(_drawing_text(read_part(package, target)))
        pages.append("\n".join(parts))
    if not pages:
        raise ExtractionError("corrupt", "classeur sans feuille lisible")
    return finish("xlsx", pages, core_properties(package), "classeur")
