"""OCR quality and speed of docsearch beside ``ocrmypdf --skip-text``, on the same files in the same run.

    .venv/bin/python bench/ocr.py [--pages 12] [--seed 13] [--work /tmp/docsearch-ocr-bench] [--no-ocrmypdf]
                                  [--ocrmypdf-extra "--rotate-pages --deskew"] [--no-real]

Pages of the sample corpus (``corpus/``), whose text is known from their text
layer, are rendered to images at 200–300 dpi and damaged like scans are:
Gaussian noise, blur, a skew of 1–3°, every fourth page turned 90°. Each
page becomes an image-only PDF. docsearch (``extract_file``, one process, no
page cache) and ocrmypdf (``--skip-text -j 1``, Debian package or PyPI; its
text read back with PDFium) read the same PDFs, one core each. The table
gives the character and word error rates (CER, WER: edit distance over the
reference length, after collapsing whitespace), pages per second, and the
ratios docsearch / ocrmypdf (≤ 1.0: docsearch is no worse, no slower). The
real scans of ``../shared/realworld`` with a known phrase say whether each
finds it. Needs ``rapidfuzz`` (``pip install rapidfuzz``) for the distances.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageFilter  # noqa: E402

from docsearch.extraction import extract_file  # noqa: E402
from docsearch.extraction.ocr import OcrOptions, available  # noqa: E402

REAL_SCANS = [
    ("fr/pdf/ocrmypdf__francais.pdf", "Portez ce vieux whisky au juge blond"),
    ("fr/pdf/anct__NUMA-workshop112020.pdf", "Gagner une demi-journée par semaine"),
    ("fr/pdf/recoop__ProcesVerbalAssembleeConsitutive.pdf", "société coopérative d'habitation"),
    ("pdf/ocrmypdf__c02-22.pdf", "went tip-toeing along"),
    ("pdf/ocrmypdf__linn.pdf", "The LinnSequencer is a state-of-the-art"),
    ("pdf/ocrmypdf__jbig2.pdf", "LinnSequencer"),
]


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).replace("’", "'").split())


def pdf_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for i in range(len(document)):
            page = document[i]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


def source_pages(count: int, rng: random.Random) -> list[tuple[str, int, str]]:
    """(pdf path, page index, known text) of pages with a real amount of text."""
    import pypdfium2 as pdfium

    found: list[tuple[str, int, str]] = []
    for path in sorted((ROOT / "corpus").rglob("*.pdf")):
        for index, text in enumerate(pdf_text(path)):
            if len(normalise(text)) >= 400:
                found.append((str(path), index, text))
    rng.shuffle(found)
    del pdfium
    return found[:count]


def scan(source: str, index: int, rng: random.Random, turn: bool) -> tuple[Image.Image, int]:
    """The page as a damaged greyscale scan, and its resolution."""
    import pypdfium2 as pdfium

    dpi = rng.choice([200, 240, 300])
    document = pdfium.PdfDocument(source)
    try:
        image = document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    noise = Image.effect_noise(image.size, rng.uniform(12, 28))
    image = Image.blend(image, noise, 0.15)
    angle = rng.uniform(1, 3) * rng.choice([-1, 1])
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if turn:
        image = image.rotate(90, expand=True)
    return image, dpi


def distances(reference: str, hypothesis: str) -> tuple[int, int, int, int]:
    from rapidfuzz.distance import Levenshtein

    ref, hyp = normalise(reference), normalise(hypothesis)
    ref_words, hyp_words = ref.split(), hyp.split()
    return Levenshtein.distance(ref, hyp), len(ref), Levenshtein.distance(ref_words, hyp_words), len(ref_words)


def run_docsearch(pdfs: list[Path]) -> tuple[list[str], float]:
    options = OcrOptions()
    started = time.perf_counter()
    texts = ["\n".join(extract_file(str(pdf), 200 * 2**20, options).pages) for pdf in pdfs]
    return texts, time.perf_counter() - started


def run_ocrmypdf(pdfs: list[Path], work: Path, extra: list[str]) -> tuple[list[str], float] | str:
    program = shutil.which("ocrmypdf")
    if program is None:
        return "ocrmypdf is not installed (apt-get install ocrmypdf, or pip install ocrmypdf)"
    texts = []
    started = time.perf_counter()
    for pdf in pdfs:
        out = work / f"{pdf.stem}.ocrmypdf.pdf"
        result = subprocess.run([program, "--skip-text", "-l", "fra+eng", "-j", "1", "--output-type", "pdf",
                                 "--optimize", "0", "--quiet", *extra, str(pdf), str(out)], capture_output=True, text=True)
        if result.returncode != 0:
            return f"ocrmypdf failed on {pdf.name}: {result.stderr.strip()[-300:]}"
        texts.append("\n".join(pdf_text(out)))
    return texts, time.perf_counter() - started


def score(refs: list[str], texts: list[str]) -> tuple[float, float]:
    chars = char_errors = words = word_errors = 0
    for ref, text in zip(refs, texts, strict=True):
        ce, cn, we, wn = distances(ref, text)
        char_errors, chars, word_errors, words = char_errors + ce, chars + cn, word_errors + we, words + wn
    return char_errors / max(chars, 1), word_errors / max(words, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "docsearch-ocr-bench")
    parser.add_argument("--no-ocrmypdf", action="store_true")
    parser.add_argument("--no-real", action="store_true", help="skip the real scans of ../shared/realworld")
    parser.add_argument("--ocrmypdf-extra", default="", help='more ocrmypdf options, e.g. "--rotate-pages --deskew"')
    args = parser.parse_args()
    if not available():
        sys.exit("Tesseract with the fra and eng models is not installed (apt-get install tesseract-ocr-fra tesseract-ocr-eng)")
    rng = random.Random(args.seed)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    refs: list[str] = []
    pdfs: list[Path] = []
    for n, (source, index, text) in enumerate(source_pages(args.pages, rng)):
        image, dpi = scan(source, index, rng, turn=n % 4 == 3)
        pdf = args.work / f"scan-{n:02d}.pdf"
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=dpi)
        pdf.write_bytes(buffer.getvalue())
        refs.append(text)
        pdfs.append(pdf)
    turned = sum(1 for n in range(len(pdfs)) if n % 4 == 3)
    print(f"{len(pdfs)} pages from corpus/ at 200–300 dpi, noise, blur, 1–3° skew, {turned} turned 90°")

    results: dict[str, dict[str, float]] = {}
    texts, seconds = run_docsearch(pdfs)
    cer, wer = score(refs, texts)
    results["docsearch"] = {"cer": cer, "wer": wer, "seconds": seconds, "pages_per_s": len(pdfs) / seconds}
    upright = [i for i in range(len(pdfs)) if i % 4 != 3]
    results["docsearch"]["cer_upright"] = score([refs[i] for i in upright], [texts[i] for i in upright])[0]
    other = None if args.no_ocrmypdf else run_ocrmypdf(pdfs, args.work, args.ocrmypdf_extra.split())
    if isinstance(other, tuple):
        o_texts, o_seconds = other
        o_cer, o_wer = score(refs, o_texts)
        results["ocrmypdf"] = {"cer": o_cer, "wer": o_wer, "seconds": o_seconds, "pages_per_s": len(pdfs) / o_seconds,
                               "cer_upright": score([refs[i] for i in upright], [o_texts[i] for i in upright])[0]}
    elif other:
        print(other)

    print()
    print("| system | CER | CER upright pages | WER | time (s) | pages/s (1 core) |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['cer']:.3f} | {r['cer_upright']:.3f} | {r['wer']:.3f} | {r['seconds']:.1f} | {r['pages_per_s']:.2f} |")
    if "ocrmypdf" in results:
        d, o = results["docsearch"], results["ocrmypdf"]
        print(f"| ratio docsearch/ocrmypdf | {d['cer'] / max(o['cer'], 1e-9):.2f} | {d['cer_upright'] / max(o['cer_upright'], 1e-9):.2f} "
              f"| {d['wer'] / max(o['wer'], 1e-9):.2f} | {d['seconds'] / o['seconds']:.2f} | |")

    real = Path(ROOT).parent / "shared" / "realworld"
    if real.is_dir() and not args.no_real:
        print()
        print("| real scan | phrase | docsearch | ocrmypdf |")
        print("|---|---|---|---|")
        for relpath, phrase in REAL_SCANS:
            path = real / relpath
            if not path.is_file():
                continue
            found = phrase.lower() in normalise("\n".join(extract_file(str(path), 200 * 2**20, OcrOptions()).pages)).lower()
            theirs = "—"
            if isinstance(other, tuple):
                out = args.work / f"real-{path.stem}.pdf"
                done = subprocess.run(["ocrmypdf", "--skip-text", "-l", "fra+eng", "-j", "1", "--output-type", "pdf",
                                       "--optimize", "0", "--quiet", str(path), str(out)], capture_output=True)
                if done.returncode == 0:
                    theirs = "yes" if phrase.lower() in normalise("\n".join(pdf_text(out))).lower() else "no"
                else:
                    theirs = f"failed ({done.returncode})"
            print(f"| {relpath} | {phrase} | {'yes' if found else 'no'} | {theirs} |")
    (args.work / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
