"""What every reader returns: the text of each page and the embedded metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Bump when extraction output changes: cached results are then recomputed.
EXTRACTOR_VERSION = 5  # 4: HTML main content by trafilatura; 5: page sizes and form fields


@dataclass
class Extracted:
    format: str  # the reader's kind: "pdf", "html"…
    pages: list[str]
    # Embedded metadata, already cleaned: title, subject, keywords, author,
    # description, date (ISO-like text), url.
    meta: dict[str, str] = field(default_factory=dict)
    # Pages (1-based) whose text was recognised (OCR), and in which language.
    ocr_pages: list[int] = field(default_factory=list)
    ocr_language: str = ""
    # Width and height of each page read, in points (PDF only; empty elsewhere):
    # slides are 16:9 or 4:3 where paper is 1:1.41 (doctypes.py).
    page_sizes: list[tuple[float, float]] = field(default_factory=list)
    # Fillable fields of the document (PDF AcroForm): a form to fill in.
    form_fields: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"format": self.format, "pages": self.pages, "meta": self.meta,
                "ocr_pages": self.ocr_pages, "ocr_language": self.ocr_language,
                "page_sizes": [list(size) for size in self.page_sizes], "form_fields": self.form_fields}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extracted:
        return cls(format=str(data["format"]), pages=[str(p) for p in data["pages"]],
                   meta={str(k): str(v) for k, v in dict(data["meta"]).items()},
                   ocr_pages=[int(p) for p in data.get("ocr_pages", [])],
                   ocr_language=str(data.get("ocr_language", "")),
                   page_sizes=[(float(w), float(h)) for w, h in data.get("page_sizes", [])],
                   form_fields=int(data.get("form_fields", 0)))
