"""The index on disk: schema, generations, the atomic swap and the writer lock.

Layout of the index folder::

    CURRENT        name of the live generation (replaced atomically)
    gen-…/         a Whoosh index + docsearch.json (schema version) +
                   failures.json (files that could not be read)
    cache/         extraction cache (see ``cache``)
    write.lock     held by the one process that writes

A rebuild fills a new generation beside the live one and then points
``CURRENT`` at it; searches go on against the old one meanwhile, and a
rebuild that dies leaves ``CURRENT`` untouched.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.structfile import StructFile
from whoosh.index import Index
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length
from whoosh.writing import IndexWriter, PostingPool, SegmentWriter

from docsearch.corpus.atomic import write_atomic
from docsearch.errors import IndexMissing, IndexUnavailable, SchemaMismatch
from docsearch.index.analysis import french_analyzer, words_analyzer
from docsearch.index.backend import UNKNOWN_YEAR
from docsearch.index.internals import inline_add_postings, length_bytes, temp_storage
from docsearch.index.postings import PreAnalyzedText

__all__ = ["UNKNOWN_YEAR", "IndexStore", "check_schema", "faster", "make_schema", "open_writer"]

SCHEMA_VERSION = 8  # 7: authors, keywords, language, file-name words; 8: page_text without positions
WRITER_MEMORY_MB = 128  # postings sorted in memory before they spill to disk
_CURRENT = "CURRENT"
_META = "docsearch.json"
_FAILURES = "failures.json"


def make_schema() -> Schema:
    """Document records (kind=doc) carry the whole text for ranking and the
    facets; page records (kind=page) carry one page each, for snippets and
    page numbers. Every facet field always has a value (see ``records``)."""
    french = french_analyzer()

    def text(field: type[TEXT] = TEXT, **kwargs: Any) -> TEXT:
        # A word the analyzer splits ("Haute-Normandie", a run of Chinese)
        # must match as a phrase, not as any of its parts.
        return field(analyzer=french, multitoken_query="phrase", **kwargs)

    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        doc_id=ID(stored=True),
        page=NUMERIC(stored=True, sortable=True),  # 0 on document records
        relpath=ID(stored=True),
        sha256=ID(stored=True),
        title=text(stored=True),
        summary=text(stored=True),
        organisation=text(stored=True),
        territory=text(stored=True),
        authors=text(stored=True),  # "; " between names
        keywords=text(stored=True),  # "; " between keywords
        filename=text(),  # the words of the file name (``filenames``)
        keyword_key=KEYWORD(commas=True, scorable=False),  # the keywords as they are: a facet
        language=ID(stored=True),  # ISO 639-1, a facet; none when unknown
        content=text(PreAnalyzedText),
        words=PreAnalyzedText(analyzer=words_analyzer(), phrase=False),
        # Pages are looked up by word (snippets, page numbers, suggestions),
        # never by phrase: no positions, which were a third of the index and
        # made reading a page's words five times slower (``postings``).
        page_text=PreAnalyzedText(analyzer=french, phrase=False, stored=True),
        sectors=KEYWORD(stored=True, commas=True, scorable=False),
        doctype=ID(stored=True),
        year=NUMERIC(stored=True, sortable=True),
        year_key=ID(stored=True),
        added=NUMERIC(sortable=True),  # when the file was last written (Unix time)
        info=STORED,
    )


class IndexStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    # Reading -------------------------------------------------------------

    def current_dir(self) -> Path | None:
        """The live generation's folder; None when there is none or ``CURRENT``
        does not name one (garbled bytes, a name that is no generation here)."""
        try:
            name = (self.folder / _CURRENT).read_bytes().decode("utf-8").strip()
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            return None
        if not name.startswith("gen-") or "/" in name or name.endswith(".build"):
            return None
        path = self.folder / name
        return path if path.is_dir() else None

    def no_generation(self) -> IndexMissing | IndexUnavailable:
        """The error for "no live generation": not built yet, or damaged when a
        ``CURRENT`` file exists but names no generation."""
        if (self.folder / _CURRENT).exists():
            return IndexUnavailable(f"the index in {self.folder} is damaged: CURRENT names no generation; "
                                    "run `docsearch index --rebuild`")
        return IndexMissing(f"no index in {self.folder}: run `docsearch index` first")

    def open(self, gen: Path | None = None) -> Index:
        """The live index (or generation ``gen``), checked against this version's
        schema and opened down to its segments: ``IndexUnavailable`` if its files are damaged."""
        ix, reader = self._open_checked(gen)
        reader.close()
        return ix

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A searcher of the live index, whose segments are opened once (and checked
        as ``open`` checks them): ``open`` then ``Index.searcher`` opened them twice,
        0.1 s at 20,000 pages, paid by each look-up of ``docsearch add``."""
        ix, reader = self._open_checked(None)
        with Searcher(reader, fromindex=ix) as searcher:
            yield searcher

    def _open_checked(self, gen: Path | None) -> tuple[Index, IndexReader]:
        gen = gen or self.current_dir()
        if gen is None:
            raise self.no_generation()
        check_schema(gen)
        try:
            ix = whoosh_index.open_dir(str(gen))
            reader = ix.reader()  # opens every segment: a truncated or zeroed one fails here
            try:
                if reader.doc_count_all():
                    reader.stored_fields(0)
            except BaseException:
                reader.close()
                raise
            return ix, reader
        except FileNotFoundError as exc:  # maybe a commit replaced the contents meanwhile: the caller may look again
            _close_files(exc.__traceback__)
            raise
        except Exception as exc:  # damage shows as any error of the file readers (EOF, unpickling, struct…)
            _close_files(exc.__traceback__)
            detail = f"{type(exc).__name__}: {exc}"[:300]
        raise IndexUnavailable(f"the index generation {gen.name} is damaged and cannot be opened ({detail}); "
                               "run `docsearch index --rebuild`")

    def failures(self, gen: Path | None = None) -> dict[str, dict[str, str]]:
        """Files of the corpus that could not be read: relpath → reason, detail, fingerprint.

        Entries of another shape (a file edited by hand, a damaged disk) are
        dropped: the next run reads those files again."""
        failures: dict[str, dict[str, str]] = {}
        for relpath, entry in self._read_json(gen, _FAILURES).items():
            if isinstance(entry, dict) and isinstance(entry.get("reason"), str):
                failures[str(relpath)] = {key: value for key, value in entry.items()
                                          if key in ("reason", "detail", "fingerprint") and isinstance(value, str)}
        return failures

    def files_digest(self, gen: Path) -> str:
        """A digest of the bytes of a generation's index files (not its meta, failures or lock):
        what a rebuild checks before it takes the files over, so that a segment damaged or
        changed since it was written is written again, never carried into the new generation.
        (2,000 PDFs, 91 MB of segments: about 0.2 s.)"""
        digest = hashlib.sha256()
        for path in sorted(gen.iterdir()):
            if path.name in (_META, _FAILURES) or path.name.endswith("WRITELOCK") or not path.is_file():
                continue
            digest.update(path.name.encode("utf-8") + b"\0")
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        return digest.hexdigest()

    def generation_meta(self, gen: Path | None = None) -> dict[str, Any]:
        return self._read_json(gen, _META)

    def _read_json(self, gen: Path | None, name: str) -> dict[str, Any]:
        gen = gen or self.current_dir()
        if gen is None:
            return {}
        try:
            data = json.loads((gen / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
            return {}
        # Another shape (a file edited by hand, a damaged disk) is no data.
        return cast(dict[str, Any], data) if isinstance(data, dict) else {}

    # Writing -------------------------------------------------------------

    @contextmanager
    def write_lock(self, on_wait: Callable[[], None] | None = None) -> Iterator[str | None]:
        """One writer at a time; others wait. The lock dies with its process;
        what it yields says whether a previous writer was killed midway."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "write.lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                # Leftovers first: a build that died on a full disk leaves a
                # folder that may hold the very room the pid below needs.
                self._remove_abandoned_builds()
                recovered = self._take_over(handle)
                yield recovered
            finally:
                handle.truncate(0)  # released cleanly: nothing to take over
                handle.flush()
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _take_over(handle: Any) -> str | None:
        """Write our pid in the lock file; if another pid was left there, its process stopped while writing."""
        handle.seek(0)
        previous = handle.read().decode("ascii", "replace").strip()
        handle.seek(0)
        handle.truncate(0)
        handle.write(str(os.getpid()).encode())
        handle.flush()
        if previous and previous != str(os.getpid()):
            return (f"the previous writer (process {previous}) stopped before it finished; "
                    "its lock was taken over and the index it left is consistent")
        return None

    def new_generation(self) -> tuple[Path, Index]:
        """A fresh, empty index in a folder that nothing reads yet."""
        path = Path(tempfile.mkdtemp(prefix=f"gen-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".build", dir=self.folder))
        ix = whoosh_index.create_in(str(path), make_schema())
        return path, ix

    def copy_generation(self, gen: Path) -> tuple[Path, Index]:
        """A new build holding what generation ``gen`` holds: its files hard-linked
        (Whoosh never rewrites a segment file, and ours are replaced by rename),
        copied where links are refused. Not its lock: each generation has its own."""
        path = Path(tempfile.mkdtemp(prefix=f"gen-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".build", dir=self.folder))
        for source in gen.iterdir():
            if source.name.endswith("WRITELOCK") or not source.is_file():
                continue
            try:
                os.link(source, path / source.name)
            except OSError:
                shutil.copy2(source, path / source.name)
        return path, whoosh_index.open_dir(str(path))

    def discard(self, build: Path) -> None:
        """Delete a build that failed: its room is given back at once, not at the next run."""
        shutil.rmtree(build, ignore_errors=True)

    def publish(self, build: Path) -> Path:
        """Make a finished build the live generation, atomically."""
        final = build.with_name(build.name.removesuffix(".build"))
        os.rename(build, final)
        write_atomic(self.folder / _CURRENT, final.name.encode("utf-8"))
        self._remove_old_generations(keep={final.name})
        return final

    def write_meta(self, gen: Path, **values: Any) -> None:
        meta = {**self.generation_meta(gen), "schema_version": SCHEMA_VERSION, **values}
        write_atomic(gen / _META, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))

    def write_failures(self, gen: Path, failures: dict[str, dict[str, str]]) -> None:
        write_atomic(gen / _FAILURES, json.dumps(failures, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))

    def _remove_abandoned_builds(self) -> None:
        for path in self.folder.glob("gen-*.build"):
            shutil.rmtree(path, ignore_errors=True)

    def _remove_old_generations(self, keep: set[str]) -> None:
        """Keep the live generation and the one before it: searchers opened
        just before the swap may still be reading it."""
        gens = sorted((p for p in self.folder.glob("gen-*") if not p.name.endswith(".build")), key=lambda p: p.stat().st_mtime)
        for path in gens[:-2]:
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)


def open_writer(ix: Index, limitmb: int = WRITER_MEMORY_MB) -> IndexWriter:
    """A writer whose postings spill to disk in chunks.

    Whoosh pickles each posting on its own when its sorting pool overflows
    (and unpickles each again to merge): a quarter of a rebuild's time.
    """
    return faster(ix.writer(limitmb=limitmb), limitmb)


def faster(writer: SegmentWriter, limitmb: int = WRITER_MEMORY_MB) -> SegmentWriter:
    """Two costs of Whoosh's segment writing, removed: each posting pickled
    on its own when the sorting pool spills to disk (a quarter of a
    rebuild), and a seek and read of the document's field length for each
    posting written (a tenth); and the type checks and method calls of
    Whoosh's loop over the sorted postings (``internals.add_postings``)."""
    inline_add_postings(writer)
    writer.pool = ChunkedPostingPool(temp_storage(writer), writer.newsegment, limitmb=limitmb)
    per_document_reader = writer.per_document_reader
    writer.per_document_reader = lambda: _Lengths(per_document_reader())
    return writer


class _Lengths:
    """A segment's per-document reader whose field lengths are read a whole column at a time."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.columns: dict[str, list[int] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if fieldname not in self.columns:
            self.columns[fieldname] = length_bytes(self.reader, fieldname)
        column = self.columns[fieldname]
        if column is None:
            return default
        lbyte = column[docnum]
        return byte_to_length(lbyte) if lbyte else None  # as W3PerDocReader does

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)


class ChunkedPostingPool(PostingPool):
    CHUNK = 20_000

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        # PostingPool.add without its type assertions and per-posting set of
        # field names (read only by Whoosh's multiprocessing writer): it is
        # called for every posting. The size estimate is Whoosh's.
        self.currentsize += 133 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f: Any, items: Any) -> None:
        chunk: list[Any] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == self.CHUNK:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                yield from pickle.load(f)
        except EOFError:
            return
        finally:
            f.close()
            self._remove_run(path)


def _close_files(trace: TracebackType | None) -> None:
    """Close the files a failed opening left open in its frames (a segment
    whose table could not be read), now rather than at some later collection."""
    while trace is not None:
        for value in list(trace.tb_frame.f_locals.values()):
            if isinstance(value, (io.IOBase, StructFile)):
                with contextlib.suppress(Exception):
                    value.close()
        trace = trace.tb_next


def check_schema(gen: Path) -> None:
    try:
        meta = json.loads((gen / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    version = meta.get("schema_version") if isinstance(meta, dict) else None
    if version != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"the index in {gen.parent} was built with schema version {version}, this docsearch "
            f"uses {SCHEMA_VERSION}: run `docsearch index --rebuild`"
        )
