"""schema.org JSON-LD on a document's page, for search engines.

The JSON sits in a ``<script type="application/ld+json">`` block: a data
block, which no browser runs (so the Content-Security-Policy does not
concern it), but which the HTML parser ends at the first ``</script``. Every
``<``, ``>`` and ``&`` is therefore written as a JSON escape (``\\u003c``…):
a title containing ``</script>`` stays inside the block, and the JSON means
the same.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from docsearch.catalogue.exchange import MEDIA_TYPES
from docsearch.search.service import DocumentView

# The centre's document types that schema.org names more precisely than CreativeWork.
SCHEMA_TYPES = {"rapport-activite": "Report", "etude": "Report", "page-web": "WebPage"}
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def document_json_ld(doc: DocumentView, permalink: str, file_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(doc.type.code, "CreativeWork"),
        "@id": permalink,
        "url": permalink,
        "name": doc.title,
        "genre": doc.type.label,
        "encodingFormat": MEDIA_TYPES.get(doc.format, "application/octet-stream"),
    }
    if doc.language.code:
        data["inLanguage"] = doc.language.code
    if doc.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in doc.authors]
    if doc.keywords:
        data["keywords"] = ", ".join(doc.keywords)
    if doc.year:
        data["datePublished"] = str(doc.year)
    if doc.sectors:
        data["about"] = [{"@type": "Thing", "name": s.label} for s in doc.sectors]
    if doc.organisation:
        data["publisher"] = {"@type": "Organization", "name": doc.organisation}
    if doc.summary:
        data["abstract"] = doc.summary
    if doc.territory:
        data["spatialCoverage"] = {"@type": "Place", "name": doc.territory}
    if doc.page_count:
        data["numberOfPages"] = doc.page_count
    data["associatedMedia"] = {"@type": "MediaObject", "contentUrl": file_url}
    return data


def document_ld(doc: Any, file_url: str) -> Markup:
    """For the templates: a document's page record (``LinkedDocument``, with its permalink)."""
    return json_ld(document_json_ld(doc, doc.permalink, file_url))


def json_ld(data: dict[str, Any]) -> Markup:
    """The JSON, safe to put between ``<script type="application/ld+json">`` and ``</script>``."""
    return Markup(json.dumps(data, ensure_ascii=False).translate(_ESCAPES))
