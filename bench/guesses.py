"""CPU time of the catalogue's guesses per document: ``cap`` + ``resolve_metadata``.

    .venv/bin/python bench/guesses.py CORPUS [--cache DIR] [--passes 3] [--dump FILE]

Every supported file under CORPUS is extracted once (``extract_file``, kept
in ``--cache`` as a pickle so reruns skip the extraction), then ``cap`` and
``resolve_metadata`` (no staff values, no learned model) run over all of
them ``--passes`` times. Printed: the median pass's per-document time in ms,
in all and by guess (the time spent in each guesser that ``resolve_metadata``
calls, measured by wrapping it; a guesser not called for a document costs 0).

``--dump FILE`` writes every resolved record (all of its fields, origins and
warnings included) as one JSON line per file, sorted by path: two dumps taken
before and after a change must be byte-identical (``cmp``).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import pickle
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from docsearch.catalogue import metadata  # noqa: E402
from docsearch.catalogue.staff import StaffMetadata  # noqa: E402
from docsearch.catalogue.vocabulary import Vocabulary, load_vocabulary  # noqa: E402
from docsearch.config import Settings  # noqa: E402
from docsearch.corpus.scan import list_sources  # noqa: E402
from docsearch.errors import ExtractionError  # noqa: E402
from docsearch.extraction import SUPPORTED_SUFFIXES, Extracted, extract_file  # noqa: E402
from docsearch.extraction.caps import Caps, cap  # noqa: E402

# The guessers resolve_metadata calls by name, wrapped to time them.
GUESSERS = ("title_candidates", "year_candidates", "infer_doctype", "summary_from_text", "embedded_organisation",
            "organisation_from_text", "detect_language", "person_names")
_spent: dict[str, float] = defaultdict(float)


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            result = function(*args, **kwargs)
        finally:
            _spent[name] += time.perf_counter() - start
        if isinstance(result, list) and result and all(isinstance(c, tuple) and callable(c[-1]) for c in result):
            # title_candidates, year_candidates: (origin, thunk) pairs whose thunks do the work
            return [(origin, _timed(name, thunk)) for origin, thunk in result]
        return result
    return wrapper


def _instrument() -> None:
    for name in GUESSERS:
        setattr(metadata, name, _timed(name, getattr(metadata, name)))
    Vocabulary.infer_sectors = _timed("infer_sectors", Vocabulary.infer_sectors)  # type: ignore[method-assign]


def extractions(corpus: Path, cache: Path | None) -> list[tuple[str, Extracted]]:
    settings = Settings()
    found: list[tuple[str, Extracted]] = []
    for source in list_sources(corpus, SUPPORTED_SUFFIXES):
        path = corpus / source.relpath
        kept = None
        if cache is not None:
            key = hashlib.sha256(path.read_bytes() + source.relpath.encode()).hexdigest()
            kept = cache / f"{key}.pickle"
            if kept.exists():
                result = pickle.loads(kept.read_bytes())
                if isinstance(result, Extracted):
                    found.append((source.relpath, result))
                continue
        try:
            result = extract_file(str(path), settings.max_file_bytes)
        except ExtractionError as exc:
            result = exc
        if kept is not None:
            cache.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
            kept.write_bytes(pickle.dumps(result))
        if isinstance(result, Extracted):
            found.append((source.relpath, result))
    return found


def one_pass(docs: list[tuple[str, Extracted]], vocab: Vocabulary) -> tuple[float, float, dict[str, float], list[Any]]:
    _spent.clear()
    caps, staff, records = Caps(), StaffMetadata(), []
    capping = resolving = 0.0
    for relpath, extracted in docs:
        start = time.perf_counter()
        capped, cut = cap(extracted, caps)
        middle = time.perf_counter()
        records.append(metadata.resolve_metadata(relpath, capped, staff, vocab, cut))
        resolving += time.perf_counter() - middle
        capping += middle - start
    return capping, resolving, dict(_spent), records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    docs = extractions(args.corpus, args.cache)
    vocab = load_vocabulary(Settings().vocabulary_file)
    _instrument()
    passes = [one_pass(docs, vocab) for _ in range(args.passes)]
    n = max(len(docs), 1)
    median = sorted(passes, key=lambda p: p[0] + p[1])[len(passes) // 2]
    capping, resolving, spent, records = median
    print(f"{args.corpus}: {len(docs)} documents, {args.passes} passes, median pass per document:")
    print(f"  cap + resolve_metadata {1000 * (capping + resolving) / n:8.3f} ms"
          f"  (passes: {', '.join(f'{1000 * (p[0] + p[1]) / n:.3f}' for p in passes)})")
    print(f"  cap                    {1000 * capping / n:8.3f} ms")
    print(f"  resolve_metadata       {1000 * resolving / n:8.3f} ms")
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"    {name:22} {1000 * seconds / n:8.3f} ms")
    print(f"  (median of {statistics.median(1000 * (p[0] + p[1]) / n for p in passes):.3f} ms)")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for (relpath, _), record in sorted(zip(docs, records, strict=True), key=lambda item: item[0][0]):
                out.write(json.dumps({"relpath": relpath, **dataclasses.asdict(record)}, ensure_ascii=False,
                                     sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
