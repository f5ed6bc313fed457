"""Image files (JPEG, PNG, TIFF with any number of frames) are documents
too: each frame is a page, recognised by OCR. Pillow refuses images past its
decompression-bomb size; larger pages than ``max_pixels`` are scaled down
before recognition."""

from __future__ import annotations

import hashlib
import io
import math
import warnings

from docsearch.errors import ExtractionError
from docsearch.extraction.extracted import Extracted
from docsearch.extraction.ocr import NOT_INSTALLED, OcrOptions, available, deferred, page_text

MAX_FRAMES = 2000


def extract_image(data: bytes, kind: str, options: OcrOptions | None = None) -> Extracted:
    from PIL import Image, ImageSequence

    options = options or OcrOptions()
    if not options.enabled or not available(options.language):
        raise ExtractionError("image-only", NOT_INSTALLED)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ExtractionError("too-large", "image trop grande (bombe de décompression ?)") from None
    except Exception as exc:
        raise ExtractionError("corrupt", f"image illisible ({type(exc).__name__})") from None
    if options.defer:
        raise deferred(min(int(getattr(image, "n_frames", 1)), MAX_FRAMES))
    sha256 = hashlib.sha256(data).hexdigest()
    pages: list[str] = []
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image)):
            if number >= MAX_FRAMES:
                break

            def render(frame=frame):  # type: ignore[no-untyped-def]  # Pillow frames are untyped
                page = frame.convert("L")
                pixels = page.width * page.height
                if pixels > options.max_pixels:
                    ratio = math.sqrt(options.max_pixels / pixels)
                    page = page.resize((max(1, int(page.width * ratio)), max(1, int(page.height * ratio))))
                return page

            pages.append(page_text(sha256, number, render, options, f"l'image {number + 1}"))
    except ExtractionError:
        raise
    except Exception as exc:
        if not pages:
            raise ExtractionError("corrupt", f"image illisible ({type(exc).__name__})") from None
    if not any(pages):
        where = f"ses {len(pages)} pages" if len(pages) > 1 else "l’image"
        raise ExtractionError("image-only", f"aucun texte reconnu (OCR) dans {where}")
    return Extracted(format=kind, pages=pages, ocr_pages=[i + 1 for i, p in enumerate(pages) if p],
                     ocr_language=options.language)
