"""Detected language against the labels of the real files.

    .venv/bin/python bench/language.py [--realworld DIR] [--cache DIR] [--verbose]

Every file of ``../shared/realworld/fr`` (label: the ``language`` column of
its ``SOURCES.tsv``) and ``../shared/realworld/office`` (the ``lang`` column
of ``expected.tsv``) with a label goes through
``docsearch.extraction.extract_file`` then
``docsearch.catalogue.language.detect_language``. A file that cannot be read
(encrypted, corrupt) or has no text is left out: it has no language to find.
An answer of "" (cannot tell) counts as wrong. The last line reads
``language: right=…% (n=…) unknown=… wrong=…``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import pickle
import re
import sys
from pathlib import Path

from docsearch.catalogue.language import detect_language
from docsearch.config import Settings
from docsearch.errors import ExtractionError
from docsearch.extraction import extract_file

PROJECT = Path(__file__).resolve().parent.parent
REALWORLD = Path(os.environ.get("DOCSEARCH_REALWORLD") or PROJECT.parent / "shared" / "realworld")


def labelled(root: Path) -> list[tuple[Path, str]]:
    """(file, ISO code) of every labelled file: "fr (visual check)" is "fr"."""
    files: list[tuple[Path, str]] = []
    for folder, table, column in (("fr", "SOURCES.tsv", "language"), ("office", "expected.tsv", "lang")):
        path = root / folder / table
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                code = re.match(r"[a-z]{2}\b", (row.get(column) or "").strip())
                if code:
                    files.append((root / folder / row["file"], code.group()))
    return files


def pages(path: Path, cache: Path | None) -> list[str] | None:
    """The file's pages of text, None if it cannot be read."""
    kept = cache / (hashlib.sha256(path.read_bytes()).hexdigest()[:24] + ".pickle") if cache else None
    if kept is not None and kept.is_file():
        loaded: list[str] | None = pickle.loads(kept.read_bytes())
        return loaded
    try:
        found: list[str] | None = extract_file(str(path), Settings().max_file_bytes).pages
    except ExtractionError:
        found = None
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(pickle.dumps(found))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realworld", type=Path, default=REALWORLD)
    parser.add_argument("--cache", type=Path, default=None, help="keep the extracted texts there between runs")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    files = labelled(args.realworld)
    if not files:
        sys.exit(f"bench/language.py: no labelled file under {args.realworld}")
    right = unknown = wrong = 0
    for path, expected in files:
        text = pages(path, args.cache)
        if not text or not "".join(text).strip():
            continue
        found = detect_language(text)
        ok = found == expected
        right += ok
        unknown += found == ""
        wrong += not ok and found != ""
        if args.verbose or not ok:
            print(f"{'✓' if ok else '✗'} {expected} → {found or '?'}  {path.relative_to(args.realworld)}")
    total = right + unknown + wrong
    print(f"language: right={100 * right / total:.1f}% (n={total}) unknown={unknown} wrong={wrong}")


if __name__ == "__main__":
    main()
