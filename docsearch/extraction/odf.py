"""OpenDocument text, spreadsheets and presentations (ODT, ODS, ODP and their
flat single-XML forms FODT, FODS, FODP), read with the standard library.

``content.xml`` gives the body, ``styles.xml`` the headers and footers of the
master pages, ``meta.xml`` the embedded metadata. Footnotes, comments and
text boxes are written after the paragraph that holds them, so they do not
cut a sentence in two; deleted text of tracked changes is left out. A sheet
or a slide is a page; a text document is cut at the page breaks LibreOffice
saved (``text:soft-page-break``). Repeated rows and cells are read once:
a sheet may declare a million empty rows.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from docsearch.errors import ExtractionError
from docsearch.extraction.containers import SafeZip, parse_xml
from docsearch.extraction.extracted import Extracted
from docsearch.extraction.ooxml import attr, embedded_meta, finish, local
from docsearch.text import clean_line

_SKIPPED = frozenset({
    "tracked-changes", "note-citation", "binary-data", "scripts", "forms", "settings", "font-face-decls",
    "automatic-styles", "sequence-decls", "event-listeners", "creator", "date", "desc", "title",
    "bookmark-ref", "user-field-decls", "variable-decls", "annotation-end",
})
_DEFERRED = frozenset({"note", "annotation", "text-box"})
_LINES = frozenset({"p", "h", "table-row", "list-item", "page"})


class _OdfText:
    def __init__(self, cut_pages: bool) -> None:
        self.cut_pages = cut_pages
        self.pages: list[list[str]] = [[]]
        self.boxes: list[list[str]] = []
        self.deferred: list[str] = []

    def out(self) -> list[str]:
        return self.boxes[-1] if self.boxes else self.pages[-1]

    def walk(self, element: Element) -> None:
        if element.text:
            self.out().append(element.text)
        for child in element:
            name = local(child.tag)
            if name in _SKIPPED:
                pass
            elif name == "s":
                self.out().append(" " * max(1, int(attr(child, "c") or 1)))
            elif name == "tab":
                self.out().append("\t")
            elif name == "line-break":
                self.out().append("\n")
            elif name == "soft-page-break":
                if self.cut_pages and not self.boxes and "".join(self.pages[-1]).strip():
                    self.pages.append([])
            elif name in _DEFERRED:
                self.boxes.append([])
                self.walk(child)
                box = "".join(self.boxes.pop())
                (self.boxes[-1] if self.boxes else self.deferred).append(box + "\n")
            else:
                self.walk(child)
                if name in _LINES:
                    self.out().append("\n")
                    if self.deferred and not self.boxes:
                        self.out().append("".join(self.deferred))
                        self.deferred.clear()
                elif name == "table-cell":
                    self.out().append("\t")
            if child.tail:
                self.out().append(child.tail)

    def text(self) -> list[str]:
        pages = ["".join(page) for page in self.pages]
        if self.deferred:
            pages[-1] += "\n" + "".join(self.deferred)
        return pages


def _body_pages(body: Element, kind: str) -> list[str]:
    """One page per sheet or slide; a text document cut at its page breaks."""
    if kind == "odt":
        walker = _OdfText(cut_pages=True)
        walker.walk(body)
        return walker.text()
    wanted = "table" if kind == "ods" else "page"
    pages: list[str] = []
    for element in body.iter():
        if local(element.tag) == wanted:
            walker = _OdfText(cut_pages=False)
            walker.walk(element)
            name = attr(element, "name") if kind == "ods" else ""
            pages.append("\n".join([name or "", *walker.text()]))
    return pages


def _master_text(styles: Element | None) -> str:
    """Headers and footers of the master pages (each distinct text once)."""
    if styles is None:
        return ""
    seen: list[str] = []
    for element in styles.iter():
        if local(element.tag) == "master-styles":
            for master in element:
                walker = _OdfText(cut_pages=False)
                walker.walk(master)
                text = "".join(walker.text()).strip()
                if text and text not in seen:
                    seen.append(text)
    return "\n".join(seen)


def _meta(tree: Element | None) -> dict[str, str]:
    if tree is None:
        return {}
    values: dict[str, str] = {}
    keywords: list[str] = []
    for element in tree.iter():
        name = local(element.tag)
        value = clean_line("".join(element.itertext()))
        if not value:
            continue
        if name == "keyword":
            keywords.append(value)
        elif name in ("title", "subject", "description", "creator", "initial-creator", "creation-date", "date"):
            values.setdefault(name, value)
    if keywords:
        values["keywords"] = ", ".join(keywords)
    return embedded_meta(values)


def _find(tree: Element, name: str) -> Element | None:
    return next((e for e in tree.iter() if local(e.tag) == name), None)


def _kind_body(tree: Element, kind: str) -> Element:
    body = _find(tree, "body")
    wanted = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}[kind]
    inner = None if body is None else next((e for e in body if local(e.tag) == wanted), None)
    if inner is None:
        raise ExtractionError("corrupt", f"document OpenDocument sans corps office:{wanted}")
    return inner


def extract_odf(data: bytes, kind: str) -> Extracted:
    what = {"odt": "document texte", "ods": "classeur", "odp": "présentation"}[kind]
    if data.lstrip()[:1] == b"<":  # flat ODF: one XML document
        tree = parse_xml(data, "document OpenDocument à plat")
        pages = _body_pages(_kind_body(tree, kind), kind)
        header = _master_text(tree)
        meta = _meta(_find(tree, "meta"))
    else:
        package = SafeZip(data)
        manifest = package.find("META-INF/manifest.xml")
        if manifest and b"encryption-data" in package.read(manifest, 4 << 20):
            raise ExtractionError("encrypted", f"protégé par un mot de passe ({what} OpenDocument)")
        if not package.has("content.xml"):
            raise ExtractionError("corrupt", "paquet OpenDocument sans content.xml")
        pages = _body_pages(_kind_body(parse_xml(package.read("content.xml"), "content.xml"), kind), kind)
        styles = parse_xml(package.read("styles.xml"), "styles.xml") if package.has("styles.xml") else None
        header = _master_text(styles)
        try:
            meta = _meta(parse_xml(package.read("meta.xml"), "meta.xml")) if package.has("meta.xml") else {}
        except ExtractionError:
            meta = {}  # damaged metadata: the text speaks for the document
    if not pages:
        pages = [""]
    if header:
        pages[0] += "\n" + header
    return finish(kind, pages, meta, what)
