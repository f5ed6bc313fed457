"""Resolved documents cached by everything they depend on, so a rebuild with
nothing changed does not guess every record's metadata again.

What ``update._Run._document`` derives from an extraction result (the capped
pages, the caps' warnings, the resolved ``Metadata``, whether staff described
it) depends only on: the file's bytes, its sidecar, the vocabulary (and its
thesaurus), the learned classifier (when it was asked), the caps settings, the extractor and the
schema, the file's path, the current year and the code that guesses. The key is a digest of
all of them; the code is the bytes of the guessing modules and their data
(read once per process), so editing a guess never serves a stale record with
nobody remembering to bump a constant.

Measured (2,000 generated PDFs, 12,808 pages, ``index --rebuild`` with nothing
changed): ``resolve_metadata`` and ``cap`` were 19 s of 27 s.

One small JSON file per key under ``index/cache/resolved/`` (the capped pages
are stored only when a cap cut them: otherwise the extraction cache's pages
are the document's). Writes are atomic; a missing, damaged or odd entry is a
miss. A full run removes the entries it did not use (a file renamed, edited,
or a model retrained leaves keys nobody asks for again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from docsearch.catalogue.learned import LearnedModel, Prediction
from docsearch.catalogue.records import Metadata
from docsearch.corpus.atomic import write_atomic
from docsearch.extraction import EXTRACTOR_VERSION
from docsearch.extraction.caps import Caps

logger = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parent.parent
# The code and data that turn an extraction result into a record. A change in
# any of them changes every key.
_CODE = ("catalogue/*.py", "extraction/caps.py", "extraction/words.py", "extraction/extracted.py",
         "text.py", "data/*.toml", "data/*.gz", "index/resolved.py")
# And the code that writes a record into the index (analysis, postings, schema).
_WRITING = ("index/*.py",)


@lru_cache(maxsize=2)
def code_digest(patterns: tuple[str, ...] = _CODE) -> str:
    """A digest of the guessing code's bytes (and its data), read once per process (about 3 ms)."""
    return files_digest(_PACKAGE, patterns)


def files_digest(root: Path, patterns: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class Resolved:
    """What resolving one extraction result gave."""

    meta: Metadata
    pages: list[str] | None  # the capped pages, None when no cap cut the extraction's
    staff_touched: bool  # staff gave its sectors or type (the classifier may learn)
    # The signature of the learned classifier the resolution asked (NO_MODEL: it asked, there was
    # none), "" if it never asked: most records take their sectors from the folder and their type
    # from rules, so a model trained after a first ingestion changes none of them.
    model: str = ""


NO_MODEL = "-"


def model_signature(model: LearnedModel | None) -> str:
    return model.signature if model is not None else NO_MODEL


@dataclass(frozen=True)
class WatchedModel(LearnedModel):
    """The learned classifier (or none) as ``resolve_metadata`` sees it, noting whether it was asked."""

    model: LearnedModel | None = None
    asked: list[bool] = field(default_factory=list)

    @classmethod
    def of(cls, model: LearnedModel | None) -> WatchedModel:
        return cls(signature=model_signature(model), records=0, sectors=None, doctype=None, model=model)

    def predict_sectors(self, title: str, text: str, known: Iterable[str] | None = None) -> Prediction | None:
        self.asked.append(True)
        return self.model.predict_sectors(title, text, known) if self.model is not None else None

    def predict_doctype(self, title: str, text: str, known: Iterable[str] | None = None) -> Prediction | None:
        self.asked.append(True)
        return self.model.predict_doctype(title, text, known) if self.model is not None else None


class ResolvedCache:
    def __init__(self, folder: Path, caps: Caps, learned_signature: str, schema: int) -> None:
        self.folder = folder
        self.learned = learned_signature  # an entry that asked another model is a miss
        # The year too: a year is plausible up to next year (catalogue/dates.py).
        self._base = json.dumps([EXTRACTOR_VERSION, schema, asdict(caps), code_digest(), dt.date.today().year])
        self.used: set[str] = set()  # keys asked for in this run (kept by ``sweep``)

    def records_digest(self, ocr_language: str) -> str:
        """What every record of a generation was built with besides its own file: the
        same digest and the same files give the same generation (``update`` then reuses it).
        Not the learned model's signature: the generation's meta says which one its records asked, if any."""
        raw = json.dumps([self._base, code_digest(_WRITING), ocr_language])
        return hashlib.sha256(raw.encode("ascii")).hexdigest()[:32]

    def key(self, relpath: str, fingerprint: str, ocr_language: str) -> str:
        """``fingerprint`` holds the file's hash, its sidecar's, the vocabulary's digest and the schema."""
        raw = json.dumps([self._base, relpath, fingerprint, ocr_language])  # ASCII: a name not in UTF-8 too
        return hashlib.sha256(raw.encode("ascii")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Resolved | None:
        self.used.add(key)
        try:
            data = json.loads(self._path(key).read_bytes())
            pages = data["pages"]
            if pages is not None and not (isinstance(pages, list) and all(isinstance(p, str) for p in pages)):
                return None
            model = str(data["model"])
            if model and model != self.learned:
                return None
            meta = Metadata(**data["meta"])
            return Resolved(meta, pages, bool(data["staff_touched"]), model)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, damaged or of another shape: resolve again

    def put(self, key: str, resolved: Resolved) -> None:
        self.used.add(key)
        data = {"meta": asdict(resolved.meta), "pages": resolved.pages, "staff_touched": resolved.staff_touched,
                "model": resolved.model}
        try:
            write_atomic(self._path(key), json.dumps(data).encode("ascii"))
        except OSError as exc:  # the cache only saves work: a full disk must not fail the run
            logger.warning("resolved cache not written for %s: %s", key[:12], exc)

    def sweep(self) -> None:
        """Remove the entries this (full) run did not ask for."""
        try:
            folders = list(os.scandir(self.folder))
        except OSError:
            return
        for folder in folders:
            try:
                entries = list(os.scandir(folder.path))
            except OSError:
                continue
            for entry in entries:
                if entry.name.removesuffix(".json") not in self.used:
                    try:
                        os.unlink(entry.path)
                    except OSError:
                        pass
