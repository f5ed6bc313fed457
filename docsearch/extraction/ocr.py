"""Optical character recognition with Tesseract 5, page by page.

The binding is tesserocr (the PyPI wheel, MIT): the model stays loaded in
the worker between pages, where the ``tesseract`` command loads it for each
page; measured on a 300 dpi A4 page, 0.7 s against 1.4–1.7 s (the CLI via
pytesseract costs the same as the CLI). The models are Debian's
(``tesseract-ocr-fra``, ``-eng``, ``-osd``): nothing is downloaded at run
time, and without them scans are reported as such.

Orientation: Tesseract's orientation detection (the ``osd`` model) turns a page upright; then the skew is measured (the rotation
that makes the rows of ink sharpest) and removed: with 2–3° of skew,
Tesseract's layout analysis loses whole paragraphs of a scanned page.

Limits: each page is recognised under a time limit (tesserocr's cancel
deadline), and asks the worker pool for that much more time first
(``workers.extend_deadline``), so a long scan is bounded per page, not per
file. Each recognised page is cached by (content hash, page, language):
an interrupted run resumes, and no rebuild recognises a page twice.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docsearch.config import Settings
from docsearch.errors import ExtractionError
from docsearch.text import clean_text

# Bump when the recognition changes: cached pages are then recognised again.
OCR_VERSION = 2
DEFERRED = "ocr-deferred"  # the reason of the error ``OcrOptions.defer`` raises
NOT_INSTALLED = "image seulement : OCR non installé (apt-get install tesseract-ocr-fra)"
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata", "/usr/local/share/tessdata",
)


@dataclass(frozen=True)
class OcrOptions:
    """How scans are recognised; passed to the workers with each file."""

    language: str = "fra+eng"  # Tesseract's language codes, "+"-joined
    cache_dir: str = ""  # where recognised pages are kept ("" : nowhere)
    page_timeout: float = 120.0  # seconds one page may take
    dpi: int = 300
    max_pixels: int = 40_000_000  # a huge page is rendered smaller
    enabled: bool = True
    # Recognise nothing yet: a file with pages to recognise raises
    # ``ExtractionError(DEFERRED, "<pages>")`` at once, so that a run reads
    # every born-digital file before it spends minutes on scans.
    defer: bool = False


def deferred(pages: int) -> ExtractionError:
    """What a file with ``pages`` to recognise answers when recognition is deferred."""
    return ExtractionError(DEFERRED, str(pages))


def ocr_options(settings: Settings, language: str | None = None) -> OcrOptions:
    """The OCR options of a run; ``language`` for one document (its sidecar's ``langue``)."""
    return OcrOptions(language=language or settings.ocr_language, cache_dir=str(settings.cache_dir / "ocr"),
                      page_timeout=settings.ocr_page_timeout, enabled=settings.ocr_enabled)


# Sidecar ``langue`` values → Tesseract model codes.
_LANGUAGES = {
    "fr": "fra", "fra": "fra", "fre": "fra", "francais": "fra", "français": "fra", "french": "fra",
    "en": "eng", "eng": "eng", "anglais": "eng", "english": "eng",
    "de": "deu", "deu": "deu", "ger": "deu", "allemand": "deu", "es": "spa", "spa": "spa", "espagnol": "spa",
    "it": "ita", "ita": "ita", "italien": "ita", "pt": "por", "por": "por", "portugais": "por",
    "nl": "nld", "nld": "nld", "néerlandais": "nld", "oc": "oci", "occitan": "oci", "br": "bre", "breton": "bre",
    "eu": "eus", "basque": "eus", "ca": "cat", "catalan": "cat",
}


def tesseract_language(value: object, default: str = "fra+eng") -> str:
    """A document's ``langue`` ("fr", "anglais", ["fr", "en"], "fr, de") as
    Tesseract's codes, keeping only the installed models; ``default`` when
    none is known or installed."""
    values = value if isinstance(value, list) else str(value or "").replace(";", ",").replace("+", ",").split(",")
    codes: list[str] = []
    for item in values:
        code = _LANGUAGES.get(str(item).strip().lower())
        if code and code not in codes and tessdata_dir(code):
            codes.append(code)
    return "+".join(codes) or default


def tessdata_dir(language: str) -> str | None:
    """The folder holding every model the language needs, if any."""
    wanted = [code for code in language.split("+") if code]
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS]
    for folder in candidates:
        if folder and wanted and all((Path(folder) / f"{code}.traineddata").is_file() for code in wanted):
            return folder
    return None


def available(language: str = "fra+eng") -> bool:
    if tessdata_dir(language) is None:
        return False
    try:
        import tesserocr  # noqa: F401  # only whether it imports
    except ImportError:
        return False
    return True


_APIS: dict[str, Any] = {}


def _api(language: str) -> Any:
    """One loaded Tesseract per language (and one for orientation, "osd"),
    kept for the worker's life."""
    if language not in _APIS:
        # One thread per recognition: the pool already runs one worker per
        # core, and OpenMP threads on top of them only contend.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import tesserocr

        folder = tessdata_dir(language)
        if folder is None:
            raise ExtractionError("image-only", NOT_INSTALLED)
        psm = tesserocr.PSM.OSD_ONLY if language == "osd" else tesserocr.PSM.AUTO
        _APIS[language] = tesserocr.PyTessBaseAPI(path=folder + "/", lang=language, psm=psm)
    return _APIS[language]


def upright(image: Any) -> Any:
    """The page turned upright (orientation detection, when the ``osd``
    model is installed) and deskewed."""
    from PIL import Image

    if tessdata_dir("osd"):
        osd = _api("osd")
        osd.SetImage(image)  # the whole page: on a thumbnail the confidence is too low to act on
        try:
            found = osd.DetectOrientationScript() or {}
        except RuntimeError:
            found = {}  # too little text to tell: leave it as it is
        osd.Clear()
        degrees = int(found.get("orient_deg") or 0)
        if degrees and float(found.get("orient_conf") or 0) >= 1.5:
            image = image.rotate(degrees, expand=True, fillcolor=255)
    angle = skew_angle(image)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return image


def skew_angle(image: Any) -> float:
    """The small rotation (±4°) that makes text lines horizontal: the one
    whose row profile of ink is the sharpest (projection profile), coarse
    then fine, on a thumbnail."""
    from PIL import Image

    small = image.copy()
    small.thumbnail((900, 900))
    ink = small.point(lambda v: 255 if v < 150 else 0)

    def sharpness(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())
        mean = sum(rows) / len(rows)
        return float(sum((r - mean) ** 2 for r in rows))

    best = max((a / 2 for a in range(-8, 9)), key=sharpness)
    best = max((best + a / 10 for a in range(-4, 5)), key=sharpness)
    return best if abs(best) >= 0.2 else 0.0


def recognise(image: Any, options: OcrOptions, what: str = "la page") -> str:
    """The text of one image (a Pillow image), within the page time limit."""
    from docsearch.extraction.workers import extend_deadline

    extend_deadline(options.page_timeout + 10)
    api = _api(options.language)
    page = upright(image.convert("L"))
    api.SetImage(page)
    api.SetSourceResolution(options.dpi)
    if not api.Recognize(timeout=int(options.page_timeout * 1000)):
        api.Clear()
        raise ExtractionError("timeout", f"reconnaissance de {what} : plus de {options.page_timeout:g} s")
    text = api.GetUTF8Text()
    api.Clear()
    return clean_text(text)


class PageCache:
    """Recognised text by (content hash, page, language), one small file each."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder) if folder else None

    def _path(self, sha256: str, page: int, language: str) -> Path:
        assert self.folder is not None
        return self.folder / sha256[:2] / f"{sha256}.p{page}.{language}.v{OCR_VERSION}.txt.gz"

    def get(self, sha256: str, page: int, language: str) -> str | None:
        if self.folder is None:
            return None
        try:
            return gzip.decompress(self._path(sha256, page, language).read_bytes()).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError):
            return None

    def put(self, sha256: str, page: int, language: str, text: str) -> None:
        if self.folder is None:
            return
        from docsearch.corpus.atomic import write_atomic

        write_atomic(self._path(sha256, page, language), gzip.compress(text.encode("utf-8"), compresslevel=3))


def page_text(sha256: str, page: int, render: Callable[[], Any], options: OcrOptions, what: str) -> str:
    """One page's recognised text, from the cache or recognised now (and cached)."""
    cache = PageCache(options.cache_dir)
    cached = cache.get(sha256, page, options.language)
    if cached is not None:
        return cached
    text = recognise(render(), options, what)
    cache.put(sha256, page, options.language, text)
    return text
