"""Guessed metadata against hand-written labels: title, year, type, organisation.

    .venv/bin/python bench/metadata.py [--set realworld|sample|sample-names|all] [--verbose]
                                       [--realworld DIR] [--corpus DIR] [--cache DIR]

Every labelled document goes through the real pipeline's guessing with no
staff values: ``docsearch.extraction.extract_file`` then
``docsearch.catalogue.metadata.resolve_metadata(relpath, extracted, StaffMetadata(), vocab)``
(the sidecars of the sample corpus are never read). The labels and the
scoring rules are in ``bench/labels/README.md``; the rules live here as code.

Sets, and what the guessing is allowed to see of the path:

* ``realworld`` — ``bench/labels/realworld-fr.tsv`` over ``../shared/realworld/fr``
  (or ``$DOCSEARCH_REALWORLD/fr``); each file is resolved under its bare file
  name, as a file dropped into a corpus is: the ``pdf/`` and ``html/`` folders
  of that collection are not a centre's filing (and "html" would read as the
  page-web type);
* ``sample`` — ``bench/labels/sample.tsv`` over ``corpus/``, under its path in
  the corpus: the folder names (``sector/year/``) count, as the indexer uses them;
* ``sample-names`` — the same documents under their bare file name: what the
  guessing finds without the folders.

Per set, the last line reads
``SET: titles=…% years=…% types=…% organisations=…% (n=…)``; ``--verbose``
prints one block per file, guess (with its origin) against label, ✓ or ✗.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import pickle
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
LABELS = PROJECT / "bench" / "labels"
REALWORLD = Path(os.environ.get("DOCSEARCH_REALWORLD") or PROJECT.parent / "shared" / "realworld") / "fr"
SAMPLE = PROJECT / "corpus"
ALTERNATIVES = " || "
TITLE_SHARE = 0.8  # of an alternative's distinct words the guess must contain…
TITLE_STRETCH = 2  # …while having at most this many times its words


@dataclass
class Pipeline:
    """The parts of docsearch the benchmark calls, imported once."""

    extract_file: Any
    resolve_metadata: Any
    vocabulary: Any
    extraction_error: type[Exception]
    max_bytes: int
    no_staff: Any  # StaffMetadata(): nothing said by staff


def _pipeline() -> Pipeline:
    """The public functions of docsearch this benchmark needs, or a clear exit.

    The package layout is being reorganised: if a module moved, say which name
    is missing instead of a traceback from the middle of a run."""
    try:
        from docsearch.catalogue.metadata import resolve_metadata
        from docsearch.catalogue.staff import StaffMetadata
        from docsearch.catalogue.vocabulary import load_vocabulary
        from docsearch.config import Settings
        from docsearch.errors import ExtractionError
        from docsearch.extraction import extract_file
    except ImportError as exc:
        sys.exit(f"bench/metadata.py: cannot import the docsearch pipeline ({exc}); "
                 "the benchmark uses docsearch.extraction.extract_file, docsearch.catalogue.metadata."
                 "resolve_metadata, docsearch.catalogue.vocabulary.load_vocabulary, docsearch.config.Settings "
                 "and docsearch.errors.ExtractionError: update its imports if they moved")
    settings = Settings()
    return Pipeline(extract_file, resolve_metadata, load_vocabulary(settings.vocabulary_file), ExtractionError,
                    settings.max_file_bytes, StaffMetadata())


@dataclass
class Label:
    file: str
    titles: list[str]
    year: int | None
    doctype: str
    organisations: list[str]
    note: str


@dataclass
class Guess:
    title: str
    year: int | None
    doctype: str
    organisation: str
    origins: dict[str, str]
    failure: str = ""  # the extraction error, when the pipeline could not read the file


@dataclass
class Row:
    label: Label
    guess: Guess
    title: bool
    year: bool
    doctype: bool
    organisation: bool


def read_labels(path: Path) -> list[Label]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Label(
            file=row["file"],
            titles=_alternatives(row["title"]),
            year=int(row["year"]) if row["year"].strip() else None,
            doctype=row["type"].strip(),
            organisations=_alternatives(row["organisation"]),
            note=row["note"],
        )
        for row in rows
    ]


def _alternatives(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(ALTERNATIVES.strip()) if part.strip()]


# --- the scoring rules of bench/labels/README.md -------------------------------------------

def normalise(text: str) -> str:
    """Lower case, no accents, apostrophes unified, only letters and digits between single spaces."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'").replace("ʼ", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def title_accepted(guess: str, alternatives: list[str]) -> bool:
    words = normalise(guess).split()
    for alternative in alternatives:
        wanted = normalise(alternative).split()
        if not wanted:
            continue
        if words == wanted:
            return True
        present = set(wanted) & set(words)
        if len(present) >= TITLE_SHARE * len(set(wanted)) and len(words) <= TITLE_STRETCH * len(wanted):
            return True
    return False


def organisation_right(guess: str, alternatives: list[str]) -> bool:
    found = normalise(guess)
    if not alternatives:
        return not found
    if not found:
        return False
    for alternative in alternatives:
        wanted = normalise(alternative)
        if wanted and (f" {wanted} " in f" {found} " or f" {found} " in f" {wanted} "):
            return True
    return False


def score(label: Label, guess: Guess) -> Row:
    if guess.failure:
        return Row(label, guess, False, False, False, False)
    return Row(
        label, guess,
        title=title_accepted(guess.title, label.titles),
        year=guess.year == label.year,
        doctype=guess.doctype == label.doctype,
        organisation=organisation_right(guess.organisation, label.organisations),
    )


# --- running the pipeline -------------------------------------------------------------------

def _extraction_key(path: Path) -> str:
    # The cached text is only good for the extraction code that produced it: any edit under
    # docsearch/extraction/ (a new cue read from the PDF, say) gives new keys.
    code = hashlib.sha256()
    for source in sorted((PROJECT / "docsearch" / "extraction").rglob("*.py")):
        code.update(source.read_bytes())
    return hashlib.sha256(code.digest() + path.read_bytes()).hexdigest()


def extract(path: Path, pipeline: Pipeline, cache: Path | None) -> Any:
    """``extract_file``, remembered under ``cache`` (70 s → 2 s for a rerun of realworld-fr)."""
    if cache is None:
        return pipeline.extract_file(str(path), pipeline.max_bytes)
    kept = cache / (_extraction_key(path) + ".pickle")
    if kept.is_file():
        return pickle.loads(kept.read_bytes())
    extracted = pipeline.extract_file(str(path), pipeline.max_bytes)
    cache.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(pickle.dumps(extracted))
    return extracted


def guess(path: Path, relpath: str, pipeline: Pipeline, cache: Path | None = None) -> Guess:
    try:
        extracted = extract(path, pipeline, cache)
    except pipeline.extraction_error as exc:
        return Guess("", None, "", "", {}, failure=str(exc) or type(exc).__name__)
    meta = pipeline.resolve_metadata(relpath, extracted, pipeline.no_staff, pipeline.vocabulary)  # no staff values, ever
    return Guess(meta.title, meta.year, meta.doctype, meta.organisation, dict(meta.origins))


def run_set(name: str, labels: list[Label], root: Path, with_folders: bool, pipeline: Pipeline,
            verbose: bool, cache: Path | None = None) -> list[Row]:
    unlabelled = sorted(set(_documents(root)) - {label.file for label in labels})
    if unlabelled:
        # A figure over part of the set would read as the whole: the labels must follow the corpus.
        sys.exit(f"bench/metadata.py: {name}: {len(unlabelled)} document(s) of {root} have no label: "
                 + ", ".join(unlabelled[:5]))
    rows = []
    for label in labels:
        path = root / label.file
        if not path.is_file():
            sys.exit(f"bench/metadata.py: {name}: labelled file {path} is missing")
        relpath = label.file if with_folders else PurePosixPath(label.file).name
        row = score(label, guess(path, relpath, pipeline, cache))
        rows.append(row)
        if verbose:
            print_row(row)
    return rows


def _documents(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in root.rglob("*")
            if path.is_file() and path.suffix.lower() in (".pdf", ".html", ".htm")]


def print_row(row: Row) -> None:
    label, found = row.label, row.guess
    marks = "".join(_mark(ok) for ok in (row.title, row.year, row.doctype, row.organisation))
    print(f"{marks} {label.file}")
    if found.failure:
        print(f"     extraction failed: {found.failure}")
        return
    origin = found.origins.get
    print(f"     title {_mark(row.title)} «{found.title}» ({origin('title', '?')})")
    print(f"           label «{' || '.join(label.titles)}»")
    print(f"     year  {_mark(row.year)} {found.year or '—'} ({origin('year', '?')})  label {label.year or '—'}")
    print(f"     type  {_mark(row.doctype)} {found.doctype} ({origin('doctype', '?')})  label {label.doctype}")
    print(f"     org   {_mark(row.organisation)} «{found.organisation or '—'}» ({origin('organisation', '?')})"
          f"  label «{' || '.join(label.organisations) or '—'}»")


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def summary(name: str, rows: list[Row]) -> str:
    n = len(rows)

    def share(field: str) -> str:
        return f"{100 * sum(getattr(r, field) for r in rows) / n:.1f}%" if n else "n/a"

    return (f"{name}: titles={share('title')} years={share('year')} types={share('doctype')} "
            f"organisations={share('organisation')} (n={n})")


def details(name: str, rows: list[Row]) -> str:
    """What the headline figures hide: failures, and the brochure/plaquette rename."""
    failed = sum(1 for r in rows if r.guess.failure)
    brochures = sum(1 for r in rows if r.guess.doctype == "brochure" and r.label.doctype == "plaquette")
    plaquettes = sum(1 for r in rows if r.label.doctype == "plaquette")
    undated = [r for r in rows if r.label.year is None]
    invented = sum(1 for r in undated if r.guess.year is not None)
    return (f"{name} (details): extraction failures={failed}; 'brochure' guessed for {brochures} of {plaquettes} 'plaquette' labels "
            f"(counted wrong); {invented} of {len(undated)} undated documents given a year")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("realworld", "sample", "sample-names", "all"), default="all")
    parser.add_argument("--verbose", action="store_true", help="one block per file: guess against label")
    parser.add_argument("--realworld", type=Path, default=REALWORLD, help="folder holding pdf/ and html/")
    parser.add_argument("--corpus", type=Path, default=SAMPLE, help="the sample corpus")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep extracted texts there between runs (keyed by file and extraction code)")
    args = parser.parse_args()
    pipeline = _pipeline()
    sets = {
        "realworld": ("realworld-fr", LABELS / "realworld-fr.tsv", args.realworld, False),
        "sample": ("sample", LABELS / "sample.tsv", args.corpus, True),
        "sample-names": ("sample-names", LABELS / "sample.tsv", args.corpus, False),
    }
    chosen = list(sets) if args.set == "all" else [args.set]
    lines = []
    for key in chosen:
        name, labels_file, root, with_folders = sets[key]
        if not root.is_dir():
            print(f"{name}: skipped, {root} is absent", file=sys.stderr)
            continue
        if args.verbose:
            print(f"== {name} ({root}{', folder names count' if with_folders else ', file names only'})")
        rows = run_set(name, read_labels(labels_file), root, with_folders, pipeline, args.verbose, args.cache)
        lines.append((summary(name, rows), details(name, rows)))
        if args.verbose or len(chosen) == 1:
            print(lines[-1][1])
            print(lines[-1][0])
    if len(chosen) > 1:
        for figures, more in lines:
            print(more)
            print(figures)


if __name__ == "__main__":
    main()
