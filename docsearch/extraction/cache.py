"""Extraction results cached by content hash, so unchanged files are not parsed again.

One gzip'd JSON file per (content hash, extractor version) under
``index/cache/``: either the extracted pages and metadata, or the failure
reason. Writes are atomic (temporary file, then rename).
"""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

from docsearch.corpus.atomic import write_atomic
from docsearch.errors import ExtractionError
from docsearch.extraction import EXTRACTOR_VERSION, Extracted
from docsearch.extraction.ocr import NOT_INSTALLED, available

logger = logging.getLogger(__name__)


class ExtractionCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}.v{EXTRACTOR_VERSION}.json.gz"

    def get(self, sha256: str, ocr_language: str | None = None) -> Extracted | ExtractionError | None:
        """The cached result; with ``ocr_language``, a result whose pages were
        recognised in another language is no result (staff asked for another
        recognition), while a born-digital file's is whatever the language."""
        try:
            with gzip.open(self._path(sha256), "rt", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, EOFError):
            return None  # missing or damaged entry: extract again
        try:
            if isinstance(data.get("error"), str):
                if data["error"] == "image-only" and NOT_INSTALLED in str(data.get("detail", "")) and available():
                    return None  # reported before Tesseract was installed: recognise it now
                return ExtractionError(data["error"], str(data.get("detail", "")))
            extracted = Extracted.from_dict(data)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None  # an entry of another shape (edited, from a bug): extract again
        if ocr_language is not None and extracted.ocr_pages and extracted.ocr_language != ocr_language:
            return None
        return extracted

    def put(self, sha256: str, result: Extracted | ExtractionError) -> None:
        if isinstance(result, ExtractionError):
            data: dict[str, object] = {"error": result.reason, "detail": result.detail}
        else:
            data = result.as_dict()
        payload = gzip.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), compresslevel=3)
        try:
            write_atomic(self._path(sha256), payload)
        except OSError as exc:
            # The cache only saves work: a full disk must not fail the upload or
            # the run that read the file (an upload answered 500, bench/chaos.py).
            logger.warning("extraction cache not written for %s: %s", sha256[:12], exc)
