"""Dublin Core XML: one record (``/documents/{id}.dc.xml``), the whole
catalogue (``/catalogue.dc.xml``), and the ``oai_dc`` element OAI-PMH serves.

The XML is built with ElementTree, which escapes every text; the characters
XML 1.0 forbids (a control character in a PDF's title) are dropped first.
The elements and their values come from ``catalogue.exchange.COLUMNS``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from docsearch.catalogue.exchange import CatalogueRecord, dublin_core
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.web.render import xml_safe

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
for _prefix, _uri in (("oai_dc", OAI_DC), ("dc", DC), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


def dc_element(record: CatalogueRecord, vocab: Vocabulary, identifier: str) -> ET.Element:
    """``<oai_dc:dc>`` with the record's elements, in the order of the table."""
    root = ET.Element(f"{{{OAI_DC}}}dc", {f"{{{XSI}}}schemaLocation": f"{OAI_DC} {OAI_DC_SCHEMA}"})
    for name, value in dublin_core(record, vocab, identifier):
        ET.SubElement(root, f"{{{DC}}}{name}").text = xml_safe(value)
    return root


def to_bytes(root: ET.Element) -> bytes:
    """The document, its declaration first."""
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def record_xml(record: CatalogueRecord, vocab: Vocabulary, identifier: str) -> bytes:
    return to_bytes(dc_element(record, vocab, identifier))


def catalogue_xml(records: Iterable[tuple[CatalogueRecord, str]], vocab: Vocabulary) -> bytes:
    """Every record in one document. Dublin Core has no container of its
    own: the DCMI's XML guidelines leave it to the application, so the
    records stand side by side in ``<catalogue>``."""
    root = ET.Element("catalogue")
    for record, identifier in records:
        root.append(dc_element(record, vocab, identifier))
    return to_bytes(root)
