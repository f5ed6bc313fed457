"""The preview of a draft: made once when the draft is created, kept beside it.

``write_preview`` renders the first page (a PDF) or a thumbnail (an image)
in an isolated worker into ``<draft folder>/apercu.png``, and keeps the
start of the text in ``<draft folder>/debut.txt`` for the formats without a
picture (office files, web pages). ``preview_path`` and ``text_start``
read them back, from a draft id already validated by ``load_draft``: the
path never comes from what the visitor sent.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from docsearch.config import Settings
from docsearch.corpus.atomic import write_atomic
from docsearch.extraction import Extracted
from docsearch.extraction.preview import IMAGE_KINDS, first_page_png
from docsearch.extraction.workers import map_isolated

PREVIEW_NAME = "apercu.png"
TEXT_NAME = "debut.txt"
TEXT_START = 600  # characters: the first paragraph or two
PREVIEW_TIMEOUT = 20.0  # seconds: a first page that takes longer is not worth waiting for


def write_preview(settings: Settings, folder: Path, data: bytes, kind: str, extracted: Extracted) -> None:
    """Keep a picture of the first page (PDF, image) or the start of the text (the rest)."""
    text = " ".join(" ".join(page.split()) for page in extracted.pages[:3]).strip()
    if text:
        write_atomic(folder / TEXT_NAME, text[:TEXT_START].encode("utf-8"))
    if kind != "pdf" and kind not in IMAGE_KINDS:
        return
    with tempfile.TemporaryDirectory(prefix="docsearch-apercu-") as work:
        path = Path(work) / "document"
        path.write_bytes(data)
        ((_, outcome),) = list(map_isolated(first_page_png, [(str(path), kind)], workers=1,
                                            timeout=PREVIEW_TIMEOUT, memory_mb=settings.worker_memory_mb))
    if outcome.error is None and isinstance(outcome.value, bytes) and outcome.value:
        write_atomic(folder / PREVIEW_NAME, outcome.value)


def preview_path(folder: Path) -> Path | None:
    path = folder / PREVIEW_NAME
    return path if path.is_file() else None


def text_start(folder: Path) -> str:
    try:
        return (folder / TEXT_NAME).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return ""
