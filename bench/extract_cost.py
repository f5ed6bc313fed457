"""What the extraction workers spend per file, split by step.

    .venv/bin/python bench/extract_cost.py DIR [DIR…] [--limit 300] [--dump OUT.jsonl]

Runs ``extract_file`` in this process (no worker, OCR off, as ``docsearch
index`` reads born-digital files) over the PDFs and web pages under each
DIR, and prints per step the median and total milliseconds of CPU per file
(process time: what the workers spend, less swayed than wall time by the
other processes of a shared machine). A
step is a function of the readers timed where it is called (inclusive: a
step called inside another counts in both); a step the code no longer has
is left out. ``--dump`` writes each file's extraction (pages, meta, first
lines, form fields, page sizes) as JSON lines, sorted by path, to diff two
versions of the readers.

Each file is read once, after one warm-up file (imports, word list): the
machine is shared, so the medians, not the totals, are what to compare.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from docsearch.errors import ExtractionError  # noqa: E402
from docsearch.extraction.ocr import OcrOptions  # noqa: E402
from docsearch.extraction.registry import extract_file  # noqa: E402

# (label, module, attribute): the steps timed, wherever they exist.
STEPS = (
    ("pdf: PDFium open", "pypdfium2", "PdfDocument"),
    ("pdf: page text (PDFium)", "docsearch.extraction.pdf", "_pdfium_page_text"),
    ("pdf: page look (text+objects)", "docsearch.extraction.pdf", "_look"),
    ("pdf: garbage check", "docsearch.extraction.pdf", "looks_like_garbage"),
    ("pdf: sized lines page 1", "docsearch.extraction.pdf", "first_page_lines"),
    ("pdf: pypdf open", "docsearch.extraction.pdf", "_open"),
    ("pdf: metadata (pypdf)", "docsearch.extraction.pdf", "_metadata"),
    ("pdf: form fields (pypdf)", "docsearch.extraction.pdf", "_form_fields"),
    ("pdf: metadata (PDFium)", "docsearch.extraction.pdf", "_pdfium_metadata"),
    ("pdf: clean_text", "docsearch.extraction.pdf", "clean_text"),
    ("html: decode", "docsearch.extraction.html", "decode_html"),
    ("html: BeautifulSoup parse", "docsearch.extraction.html", "BeautifulSoup"),
    ("html: metadata", "docsearch.extraction.html", "_metadata"),
    ("html: main content (rules)", "docsearch.extraction.html", "_main_content"),
    ("html: headings", "docsearch.extraction.html", "_headings"),
    ("html: block text (rules)", "docsearch.extraction.html", "_block_text"),
    ("html: main_text (trafilatura+rescue)", "docsearch.extraction.html", "main_text"),
    ("html: trafilatura.extract", "trafilatura", "extract"),
    ("html: clean_text", "docsearch.extraction.html", "clean_text"),
)
SUFFIXES = (".pdf", ".html", ".htm")


def _timed(label: str, function: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start

    return wrapper


def instrument(spent: dict[str, float]) -> list[str]:
    """Wrap every step that exists; the labels wrapped, in table order."""
    labels = []
    for label, module_name, attribute in STEPS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, attribute, None)
        if function is None:
            continue
        setattr(module, attribute, _timed(label, function, spent))
        labels.append(label)
    return labels


def files(roots: list[Path], limit: int) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
        found.extend(paths[:limit])
    return found


def dump_record(path: Path, result: Any) -> dict[str, Any]:
    if isinstance(result, ExtractionError):
        return {"path": str(path), "error": [result.reason, str(result)]}
    return {"path": str(path), **result.as_dict()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", type=Path, nargs="+")
    parser.add_argument("--limit", type=int, default=300, help="files read at most under each DIR")
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    spent: dict[str, float] = defaultdict(float)
    labels = instrument(spent)
    paths = files(args.roots, args.limit)
    if not paths:
        sys.exit("no PDF or web page found")
    options = OcrOptions(enabled=False)
    try:
        extract_file(str(paths[0]), 200 * 1_048_576, options)  # warm-up: imports, word list
    except ExtractionError:
        pass
    per_file: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    records = []
    for path in paths:
        spent.clear()
        start = time.process_time()
        try:
            result: Any = extract_file(str(path), 200 * 1_048_576, options)
        except ExtractionError as exc:
            result = exc
        total = time.process_time() - start
        kind = "pdf" if path.suffix.lower() == ".pdf" else "html"
        steps = per_file[kind]
        steps["extract_file (total)"].append(total * 1000)
        for label in labels:
            if label.startswith(kind + ":"):
                steps[label].append(spent.get(label, 0.0) * 1000)
        if args.dump:
            records.append(dump_record(path, result))
    for kind, steps in per_file.items():
        count = len(steps["extract_file (total)"])
        print(f"\n{kind}: {count} files   CPU: median ms/file   total s")
        for label, values in steps.items():
            if label != "extract_file (total)" and not any(values):
                continue
            print(f"  {label:<40} {statistics.median(values):10.2f} {sum(values) / 1000:10.2f}")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for record in sorted(records, key=lambda r: r["path"]):
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
