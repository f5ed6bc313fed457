"""Office extraction on ``../shared/realworld/office``: documents per second and phrase recall.

    .venv/bin/python bench/office.py [--workers 2] [--rounds 3]

Every file of ``expected.tsv`` is extracted in the isolated workers, as
``docsearch index`` does. Recall: the share of the rows with a phrase whose
phrase is in the extracted text (whitespace collapsed); encrypted files are
expected to be reported, not read. Files per second over the whole set, best
of ``--rounds``, and the slowest files.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docsearch.extraction import extract_file  # noqa: E402
from docsearch.extraction.ocr import OcrOptions  # noqa: E402
from docsearch.extraction.workers import map_isolated  # noqa: E402

OFFICE = ROOT.parent / "shared" / "realworld" / "office"


def flat(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not OFFICE.is_dir():
        sys.exit(f"{OFFICE} is absent")
    with (OFFICE / "expected.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    items = [(str(OFFICE / row["file"]), 50 * 2**20, OcrOptions()) for row in rows]
    best = float("inf")
    outcomes: dict[int, object] = {}
    for _ in range(args.rounds):
        started = time.perf_counter()
        outcomes = dict(map_isolated(extract_file, items, workers=args.workers, timeout=120, memory_mb=2048))
        best = min(best, time.perf_counter() - started)
    with_phrase = found = reported = 0
    missed = []
    for i, row in enumerate(rows):
        outcome = outcomes[i]
        if outcome.error is not None:  # type: ignore[attr-defined]
            reported += 1
        if not row["phrase"] or "password" in row["awkward"]:
            continue
        with_phrase += 1
        if outcome.error is None and flat(row["phrase"]) in flat(" ".join(outcome.value.pages)):  # type: ignore[attr-defined]
            found += 1
        else:
            missed.append(row["file"])
    slow = []
    for i, row in enumerate(rows):
        started = time.perf_counter()
        try:
            extract_file(*items[i])
        except Exception:
            pass
        slow.append((time.perf_counter() - started, row["file"]))
    print(f"{len(rows)} files, {args.workers} workers: {best:.2f} s, {len(rows) / best:.1f} files/s (best of {args.rounds})")
    print(f"phrase recall: {found}/{with_phrase} = {found / max(with_phrase, 1):.3f}; reported with a reason: {reported}")
    for name in missed:
        print(f"  missed: {name}")
    print("slowest (one process): " + ", ".join(f"{name} {seconds:.2f} s" for seconds, name in sorted(slow, reverse=True)[:4]))


if __name__ == "__main__":
    main()
