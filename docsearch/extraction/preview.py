"""A small picture of a document's first page, for staff to recognise a draft at a glance.

``first_page_png`` renders the first page of a PDF (pypdfium2) or shrinks
an image (Pillow) to ``width`` pixels wide, as PNG bytes; other formats
have no picture (the draft form shows the start of their text instead).
It runs in an isolated worker (``staff.previews``): a hostile file can
crash or exhaust the renderer without touching the server.

Rendering a first page at 240 px takes 10–110 ms and gives a PNG of 4–30 KB
(measured on three PDFs of /work/shared/realworld/fr, 1 to 11 pages): small
enough to be made once per draft, kept beside it, and sent as it is.
"""

from __future__ import annotations

import io
from pathlib import Path

PREVIEW_WIDTH = 240
MAX_HEIGHT = 480  # a very tall page (a poster, a receipt) is cut, not shown a metre long
IMAGE_KINDS = frozenset({"jpeg", "png", "tiff"})


def first_page_png(path: str, kind: str, width: int = PREVIEW_WIDTH) -> bytes | None:
    """PNG bytes of the first page (``kind`` "pdf" or an image kind), or None."""
    from PIL import Image

    image: Image.Image
    if kind == "pdf":
        import pypdfium2

        pdf = pypdfium2.PdfDocument(path)
        try:
            if len(pdf) == 0:
                return None
            page = pdf[0]
            page_width = page.get_width() or 1.0
            image = page.render(scale=width / page_width).to_pil()
            page.close()
        finally:
            pdf.close()
    elif kind in IMAGE_KINDS:
        with Image.open(Path(path)) as opened:
            opened.draft("RGB", (width, width * 4))  # JPEG: decode at a reduced size
            image = opened.convert("RGB")
            image.thumbnail((width, width * 4))
    else:
        return None
    if image.height > MAX_HEIGHT:
        image = image.crop((0, 0, image.width, MAX_HEIGHT))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()
