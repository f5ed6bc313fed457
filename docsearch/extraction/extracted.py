"""What every reader returns: the text of each page and the embedded metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Bump when extraction output changes: cached results are then recomputed.
EXTRACTOR_VERSION = 6  # 4: HTML main content by trafilatura; 5: page sizes and form fields; 6: sized lines of page 1



@dataclass(frozen=True)
class Line:
    """One line of a PDF's first page as it is drawn: what the title guess reads."""

    text: str
    size: float  # height of its letters in points (PDFium's loose character box)
    top: float  # distance from the top of the page, as a share of the page height
    # Also at the top or bottom of most other pages, at the same size: a running header or footer.
    repeated: bool = False


@dataclass
class Extracted:
    format: str  # the reader's kind: "pdf", "html"…
    pages: list[str]
    # Embedded metadata, already cleaned: title, subject, keywords, author,
    # description, date (ISO-like text), url; for HTML, headings (its first h1s, one a line).
    meta: dict[str, str] = field(default_factory=dict)
    # Pages (1-based) whose text was recognised (OCR), and in which language.
    ocr_pages: list[int] = field(default_factory=list)
    ocr_language: str = ""
    # Width and height of each page read, in points (PDF only; empty elsewhere):
    # slides are 16:9 or 4:3 where paper is 1:1.41 (doctypes.py).
    page_sizes: list[tuple[float, float]] = field(default_factory=list)
    # Fillable fields of the document (PDF AcroForm): a form to fill in.
    form_fields: int = 0
    # PDFs: the text lines of page 1 with their size, in reading order (empty
    # when the page has no text layer or the format draws no page).
    first_lines: list[Line] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"format": self.format, "pages": self.pages, "meta": self.meta,
                "ocr_pages": self.ocr_pages, "ocr_language": self.ocr_language,
                "page_sizes": [list(size) for size in self.page_sizes], "form_fields": self.form_fields,
                "first_lines": [[line.text, line.size, line.top, line.repeated] for line in self.first_lines]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extracted:
        return cls(format=str(data["format"]), pages=[str(p) for p in data["pages"]],
                   meta={str(k): str(v) for k, v in dict(data["meta"]).items()},
                   ocr_pages=[int(p) for p in data.get("ocr_pages", [])],
                   ocr_language=str(data.get("ocr_language", "")),
                   page_sizes=[(float(w), float(h)) for w, h in data.get("page_sizes", [])],
                   form_fields=int(data.get("form_fields", 0)),
                   first_lines=[Line(str(t), float(s), float(top), bool(r))
                                for t, s, top, r in data.get("first_lines", [])])
