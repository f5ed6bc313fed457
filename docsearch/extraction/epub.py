"""EPUB books: the XHTML documents of the spine, in reading order, one page
each (a chapter is what a book has instead of pages); the OPF metadata
(Dublin Core) gives title, author, subject, keywords and date."""

from __future__ import annotations

import posixpath

from bs4 import BeautifulSoup

from docsearch.errors import ExtractionError
from docsearch.extraction.containers import SafeZip, parse_xml
from docsearch.extraction.extracted import Extracted
from docsearch.extraction.html import BLOCK_TAGS, decode_html
from docsearch.extraction.ooxml import attr, embedded_meta, finish, local
from docsearch.text import clean_line


def extract_epub(data: bytes) -> Extracted:
    package = SafeZip(data)
    container = package.find("META-INF/container.xml")
    if container is None:
        raise ExtractionError("corrupt", "livre EPUB sans META-INF/container.xml")
    manifest = package.find("META-INF/manifest.xml")
    if package.find("META-INF/encryption.xml") or (manifest and b"encryption-data" in package.read(manifest, 1 << 20)):
        encryption = package.read(package.find("META-INF/encryption.xml") or manifest or "", 1 << 20)
        if b"EncryptedData" in encryption and b"obfuscation" not in encryption.lower():
            raise ExtractionError("encrypted", "livre EPUB chiffré (DRM)")
    rootfile = next((attr(e, "full-path") for e in parse_xml(package.read(container), "container.xml").iter()
                     if local(e.tag) == "rootfile"), None)
    opf_name = package.find(rootfile or "")
    if opf_name is None:
        raise ExtractionError("corrupt", "livre EPUB sans paquet OPF")
    opf = parse_xml(package.read(opf_name), opf_name)
    folder = posixpath.dirname(opf_name)
    items = {e.get("id"): (e.get("href") or "", e.get("media-type") or "") for e in opf.iter() if local(e.tag) == "item"}
    spine = [e.get("idref") for e in opf.iter() if local(e.tag) == "itemref"]
    pages: list[str] = []
    for idref in spine:
        href, media = items.get(idref, ("", ""))
        name = package.find(posixpath.normpath(posixpath.join(folder, href.split("#")[0])))
        if name is None or ("html" not in media and not name.endswith(("html", "htm"))):
            continue
        pages.append(_chapter_text(package.read(name)))
    values: dict[str, str] = {}
    for element in opf.iter():
        name = local(element.tag)
        value = clean_line("".join(element.itertext()))
        if value and name in ("title", "creator", "description", "date") and name not in values:
            values[name] = value
        elif value and name == "subject":
            values["keywords"] = ", ".join(filter(None, [values.get("keywords", ""), value]))
    return finish("epub", pages or [""], embedded_meta(values), "livre EPUB")


def _chapter_text(data: bytes) -> str:
    soup = BeautifulSoup(decode_html(data), "html.parser")
    for tag in soup.find_all(("script", "style", "head")):
        tag.decompose()
    for tag in soup.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return soup.get_text()
