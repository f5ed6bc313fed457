"""Bring the index in line with the corpus: extract, resolve, write.

``update_index`` is incremental (new or changed files by content hash,
removed files dropped) or, with ``rebuild=True``, builds a new generation
and swaps it in. Files that cannot be read are reported with their reason
and skipped; a document already indexed is kept when its new version cannot
be read.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from whoosh.index import Index
from whoosh.query import Term
from whoosh.searching import Searcher

from docsearch.catalogue.learned import learned_path, load_model
from docsearch.catalogue.metadata import resolve_metadata
from docsearch.catalogue.records import Document, document_id
from docsearch.catalogue.staff import read_sidecar
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.catalogue.vocabulary_files import current_vocabulary
from docsearch.config import Settings
from docsearch.corpus.scan import (
    CorpusScan,
    SourceFile,
    file_hash,
    remove_stale_temporaries,
    scan_corpus,
    sidecar_hash,
    source_for,
)
from docsearch.errors import ExtractionError, IndexMissing, IndexUnavailable, SchemaMismatch
from docsearch.extraction import SUPPORTED_SUFFIXES, Extracted, extract_file
from docsearch.extraction.cache import ExtractionCache
from docsearch.extraction.caps import Caps, cap
from docsearch.extraction.ocr import DEFERRED, ocr_options, tesseract_language
from docsearch.extraction.workers import Outcome, map_isolated, read_ahead
from docsearch.faults import fault
from docsearch.index.learning import refresh_learned
from docsearch.index.resolved import Resolved, ResolvedCache, WatchedModel, model_signature
from docsearch.index.store import SCHEMA_VERSION, IndexStore
from docsearch.index.writer import DocumentWriter

# Failures that depend on this machine and its limits rather than on the
# file: not cached, so a rebuild (or a higher limit) tries again.
# Not cached: they depend on the machine (a tool installed later reads the file).
MACHINE_REASONS = frozenset({"timeout", "crashed", "too-large", "unreadable", "bad-filename", "missing-tool", "error"})


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, relpath: str) -> None: ...
    # Once every born-digital file is read: how many pages the rest will have recognised (OCR).
    def recognising(self, pages: int) -> None: ...
    # One more file recognised, with that many pages.
    def recognised(self, pages: int) -> None: ...


class _NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, relpath: str) -> None:
        pass

    def recognising(self, pages: int) -> None:
        pass

    def recognised(self, pages: int) -> None:
        pass


@dataclass
class RunReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    # relpath → (reason, detail); a failed file whose older version stays
    # in the index is also listed in ``kept``.
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    # Files that failed before and have not changed: not read again.
    failed_before: list[str] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # relpath → title of the record written this run
    notes: list[str] = field(default_factory=list)  # about the run itself
    documents: int = 0
    pages: int = 0
    elapsed: float = 0.0
    rebuilt: bool = False
    # A rebuild that found every record as the live generation has it: its files were taken over.
    reused: bool = False
    # The records staff confirmed may have changed: the learned classifier is (or is to be) trained again.
    learn: bool = False
    recognised_pages: int = 0  # pages of the files read this run that needed recognition (OCR)
    ocr_seconds: float = 0.0  # the time those files took, after the born-digital ones



@dataclass
class _Known:
    """What the index knows of a file: enough to tell whether it changed."""

    doc_id: str
    fingerprint: str
    sha256: str
    size: int
    mtime: float
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Task:
    source: SourceFile
    sha256: str
    fingerprint: str
    ocr_language: str = ""  # Tesseract's codes for its scanned pages: the sidecar's ``langue``, else the setting
    ocr_pages: int = 0  # how many of its pages are to be recognised (known after a first, deferred read)


@dataclass
class _Scans:
    """Between the born-digital files and the scans: how many pages are to be recognised."""

    pages: int
    started: float  # time.monotonic()


def update_index(
    settings: Settings,
    *,
    rebuild: bool = False,
    retry_failed: bool = False,
    only: list[str] | None = None,
    forget: list[str] | None = None,
    progress: Progress | None = None,
    on_wait: Callable[[], None] | None = None,
    learn: bool = True,
    fresh: bool = False,
) -> RunReport:
    """Index new and changed files of the corpus (or just ``only``), drop removed
    ones (or just ``forget``, the files that left the corpus). ``on_wait`` is
    called if another process is writing and this run has to wait for it.
    ``learn=False`` leaves retraining the classifier to the caller (``report.learn``
    says whether it is due; see ``index.learning.refresh_learned``). A rebuild that finds
    everything as the live generation has it takes that generation's files over, unless
    ``fresh``: every record is written again (what to run when the index is suspected)."""
    started = time.monotonic()
    progress = progress or _NoProgress()
    vocab = current_vocabulary(settings)
    store = IndexStore(settings.index_dir)
    with store.write_lock(on_wait) as recovered:
        fault("update-locked")
        run = _Run(settings, vocab, store, retry_failed, progress, learn)
        run.fresh = fresh
        try:
            report = run.execute(rebuild or store.current_dir() is None, only, forget or [])
        except _Damaged:
            notes = run.report.notes
            run = _Run(settings, vocab, store, retry_failed, progress, learn)
            run.report.notes.extend(notes)
            run.skip_live = True
            report = run.execute(True, None, [])
    if recovered:
        report.notes.append(recovered)
    report.elapsed = time.monotonic() - started
    return report


class _Run:
    def __init__(self, settings: Settings, vocab: Vocabulary, store: IndexStore, retry_failed: bool, progress: Progress,
                 learn: bool = True) -> None:
        self.settings, self.vocab, self.store = settings, vocab, store
        self.retry_failed, self.progress = retry_failed, progress
        self.cache = ExtractionCache(settings.cache_dir)
        self.caps = Caps(settings.max_pages, settings.max_page_chars, settings.max_document_chars,
                         settings.max_distinct_words)
        self.report = RunReport()
        self.skip_live = False  # set when the live index proved unreadable: build without it
        self.fresh = False  # a rebuild writes every record, even when the live generation has them all
        # The classifier of staff-confirmed records (None: too few of them, or no readable model).
        self.model_path = learned_path(settings.instance_dir)
        self.learned = load_model(self.model_path)
        self.staff_touched = False  # a document staff described was written: the classifier may learn
        self.learn = learn
        self.resolved = ResolvedCache(settings.cache_dir / "resolved", self.caps, model_signature(self.learned),
                                      SCHEMA_VERSION)
        self.asked_model = False  # a record written in this run asked the learned classifier

    def execute(self, rebuild: bool, only: list[str] | None, forget: list[str]) -> RunReport:
        live = self._open_live(rebuild)
        if live is None:
            rebuild = True  # no usable live index: nothing to update, everything to build
        if rebuild:
            only, forget = None, []  # a new generation holds the whole corpus, never just the files asked for
        # Adding or removing a few files needs only their own records, not the index's every record.
        wanted = None if only is None else set(only) | set(forget)
        known = self._known(live, wanted)
        failures = self.store.failures()
        scan = CorpusScan()
        forget = list(forget)
        if only is None:
            remove_stale_temporaries(self.settings.corpus_dir)
            scan = scan_corpus(self.settings.corpus_dir, SUPPORTED_SUFFIXES)
        else:
            for relpath in only:
                try:
                    scan.sources.append(source_for(self.settings.corpus_dir, relpath))
                except FileNotFoundError:  # gone before its turn came (withdrawn, renamed): forget it
                    forget.append(relpath)
                except ExtractionError as error:
                    scan.refused[relpath] = (error.reason, error.detail)
        sources = scan.sources
        new_failures = {} if rebuild else dict(failures)
        tasks = self._plan(sources, known, new_failures, rebuild)
        self._refused(scan, known, failures, new_failures)
        records = self.resolved.records_digest(self.settings.ocr_language)
        if (rebuild and live is not None and not self.fresh
                and self._same_records(live, tasks, known, scan, failures, new_failures, records)):
            return self._reuse(tasks, known, records)
        if rebuild:
            gen, ix = self.store.new_generation()
        else:
            current = self.store.current_dir()
            assert live is not None and current is not None  # live was opened from the current generation
            gen, ix = current, live
        self.report.rebuilt = rebuild
        processes = self.settings.index_processes if len(tasks) >= self.settings.index_parallel_from else 1
        try:
            with DocumentWriter(ix, processes) as writer:
                self._process(tasks, writer, known, new_failures, rebuild)
                if rebuild:
                    self._restore_hidden(scan, known, writer)
                if only is None:
                    seen = {printable_path(s.relpath) for s in sources} | set(scan.refused)
                    gone = {p for p in (set(known) | set(failures)) - seen if p not in scan.unreadable and not scan.hidden(p)}
                    self._remove_missing(gone, known, writer, new_failures, rebuild)
                else:
                    self._remove_missing(set(forget) - set(scan.refused), known, writer, new_failures, rebuild)
            fault("update-committed")  # the documents are committed, the failures and meta not yet written
            self._count(ix)
            self.store.write_failures(gen, new_failures)
            self.store.write_meta(gen, updated=dt.datetime.now().isoformat(timespec="seconds"),
                                  vocabulary=self.vocab.digest, **self._provenance(gen, rebuild, records))
        except BaseException:
            if rebuild:
                self.store.discard(gen)  # a failed build (a full disk…) gives its room back at once
            raise
        if rebuild:
            fault("update-publish")  # the new generation is complete, not yet live
            self.store.publish(gen)
            fault("update-published")
            self.resolved.sweep()  # every record of the corpus was asked for: the rest are stale
        self.report.learn = self.staff_touched or bool(self.report.removed) or (only is None and self.learned is None)
        if self.report.learn and self.learn:
            # After the publication: a rebuilt generation has moved into its final folder.
            refresh_learned((lambda: self.store.open()) if rebuild else (lambda: ix), self.model_path)
        return self.report

    def _provenance(self, gen: Path, rebuild: bool, records: str) -> dict[str, str]:
        """What the generation's records were built with (``records``: code and settings;
        ``learned``: the classifier they asked, "" none), "" when its records are of several."""
        model = model_signature(self.learned) if self.asked_model else ""
        if rebuild:
            # "files": the bytes written, so that a later rebuild takes them over only if no
            # incremental run, damage or hand has changed them since.
            return {"records": records, "learned": model, "files": self.store.files_digest(gen)}
        if not (self.report.indexed or self.report.removed or self.report.kept):
            return {}  # no record written: what they were built with is unchanged
        before = self.store.generation_meta(gen)
        if before.get("records") != records or (model and before.get("learned", "") not in ("", model)):
            return {"records": ""}
        return {"learned": model or str(before.get("learned", ""))}

    def _same_records(self, live: Index, tasks: list[_Task], known: dict[str, _Known], scan: CorpusScan,
                      failures: dict[str, dict[str, str]], new_failures: dict[str, dict[str, str]], records: str) -> bool:
        """Whether a rebuild would write exactly the live generation: every file as it
        was indexed (content, sidecar, size, time), none failing or hidden, the records
        built by this code, model, vocabulary and settings, its files byte for byte as the
        last full build wrote them, and no deleted record in its segments (a rebuild still
        compacts those)."""
        if failures or new_failures or scan.refused or scan.unreadable or len(tasks) != len(known):
            return False
        meta = self.store.generation_meta()
        if meta.get("records") != records or meta.get("learned", "") not in ("", model_signature(self.learned)):
            return False
        current = self.store.current_dir()
        if current is None or not meta.get("files") or meta["files"] != self.store.files_digest(current):
            return False  # changed since it was built (an update, a damaged segment): written anew
        for task in tasks:
            previous = known.get(task.source.relpath)
            if previous is None or (previous.fingerprint, previous.size, previous.mtime) != (
                    task.fingerprint, task.source.size, task.source.mtime):
                return False
        with live.reader() as reader:
            return bool(reader.doc_count() == reader.doc_count_all())

    def _reuse(self, tasks: list[_Task], known: dict[str, _Known], records: str) -> RunReport:
        """The rebuild, when nothing changed: a new generation with the live one's files.
        Measured at 2,000 PDFs (12,808 pages): 0.x s instead of 16 s of writing the same postings again."""
        current = self.store.current_dir()
        assert current is not None  # the live index was opened from it
        gen, ix = self.store.copy_generation(current)
        try:
            self.report.rebuilt = self.report.reused = True
            self.progress.start(len(tasks))
            for task in tasks:
                relpath = task.source.relpath
                self.report.indexed.append(relpath)
                if known[relpath].warnings:
                    self.report.warnings[relpath] = known[relpath].warnings
                self.progress.advance(relpath)
            self._count(ix)
            self.store.write_failures(gen, {})
            self.store.write_meta(gen, updated=dt.datetime.now().isoformat(timespec="seconds"),
                                  vocabulary=self.vocab.digest)  # its records and model: the live one's
        except BaseException:
            self.store.discard(gen)
            raise
        fault("update-publish")
        self.store.publish(gen)
        fault("update-published")
        self.report.learn = self.learned is None
        if self.report.learn and self.learn:
            refresh_learned(lambda: self.store.open(), self.model_path)
        return self.report

    def _open_live(self, rebuild: bool) -> Index | None:
        """The live index, or None when a run must build one: there is none,
        its schema is older (for a rebuild), or it is damaged (said in the notes)."""
        if self.skip_live:
            return None
        try:
            return self.store.open()
        except IndexMissing:
            return None
        except SchemaMismatch:
            if rebuild:
                return None  # a rebuild is exactly what a stale schema needs
            raise
        except (IndexUnavailable, OSError) as exc:  # no other writer runs: a missing file is damage too
            self.report.notes.append(f"{exc}. The live index could not be opened: "
                                     "it was rebuilt from the corpus and the extraction cache")
            return None

    def _known(self, live: Index | None, wanted: set[str] | None) -> dict[str, _Known]:
        if live is None:
            return {}
        try:
            return _known_documents(live, wanted)
        except Exception as exc:  # damage deeper than what opening reads
            self.report.notes.append(f"the live index could not be read ({type(exc).__name__}: {exc}); "
                                     "it was rebuilt from the corpus and the extraction cache")
            raise _Damaged() from exc

    def _refused(self, scan: CorpusScan, known: dict[str, _Known], failures: dict[str, dict[str, str]],
                 new_failures: dict[str, dict[str, str]]) -> None:
        """Files that are not read and folders that cannot be listed: failures,
        and what the index holds of them stays."""
        for relpath, (reason, detail) in scan.refused.items():
            self._record_failure(_Task(SourceFile(self.settings.corpus_dir / relpath, relpath, 0, 0.0), "", ""),
                                 ExtractionError(reason, detail), new_failures)
            if relpath in known:
                self.report.kept.append(relpath)
        for folder, detail in scan.unreadable.items():
            self.report.failed[folder] = ("unreadable-folder", detail)
            new_failures[folder] = {"reason": "unreadable-folder", "detail": detail, "fingerprint": ""}
            for relpath in sorted(known):
                if scan.hidden(relpath):
                    self.report.kept.append(relpath)
                    if relpath in failures:  # a failure of a file no one can see yet stays
                        new_failures[relpath] = failures[relpath]

    def _restore_hidden(self, scan: CorpusScan, known: dict[str, _Known], writer: DocumentWriter) -> None:
        """In a rebuild, the documents of a folder that cannot be listed keep their last version."""
        for relpath, previous in sorted(known.items()):
            if scan.hidden(relpath) or relpath in scan.refused:
                path = self.settings.corpus_dir / relpath
                self._restore_previous(previous, _Task(SourceFile(path, relpath, previous.size, previous.mtime), "", ""),
                                       writer, count=False)

    def _plan(self, sources: list[SourceFile], known: dict[str, _Known], failures: dict[str, dict[str, str]], rebuild: bool) -> list[_Task]:
        """The files that must be (re)extracted; count the unchanged ones.

        ``failures`` is updated: a file that reads again loses its entry, one
        that cannot even be hashed gets one.
        """
        tasks: list[_Task] = []
        for source in sources:
            try:
                task = self._task(source, known.get(source.relpath))
            except ExtractionError as error:
                self._record_failure(_Task(source, "", ""), error, failures)
                continue
            except Exception as exc:  # one file's trouble is that file's failure, never the run's
                self._record_failure(_Task(source, "", ""), _unexpected(exc), failures)
                continue
            previous, failed = known.get(source.relpath), failures.get(source.relpath, {})
            if not rebuild and previous and previous.fingerprint == task.fingerprint:
                self.report.unchanged += 1
                failures.pop(source.relpath, None)  # back to the version that is indexed
            elif not rebuild and not self.retry_failed and failed.get("fingerprint") == task.fingerprint:
                self.report.failed[source.relpath] = (failed["reason"], failed.get("detail", ""))
                self.report.failed_before.append(source.relpath)
            else:
                tasks.append(task)
        return tasks

    def _task(self, source: SourceFile, previous: _Known | None) -> _Task:
        try:
            source.relpath.encode("utf-8")
        except UnicodeEncodeError:
            raise ExtractionError("bad-filename", "le nom du fichier n'est pas en UTF-8 valide : renommez le fichier") from None
        try:
            if previous and previous.size == source.size and previous.mtime == source.mtime:
                sha = previous.sha256  # same size and time: trust the recorded hash
            else:
                sha = file_hash(source.path)
            sidecar = sidecar_hash(source.path)
        except OSError as exc:
            raise ExtractionError("unreadable", exc.strerror or str(exc)) from None
        return _Task(source, sha, f"{sha}:{sidecar}:{self.vocab.digest}:{SCHEMA_VERSION}", self._language(source))

    def _language(self, source: SourceFile) -> str:
        staff, _ = read_sidecar(source.sidecar)
        default = self.settings.ocr_language
        return tesseract_language(staff.language, default) if staff.language else default

    def _process(self, tasks: list[_Task], writer: DocumentWriter, known: dict[str, _Known],
                 failures: dict[str, dict[str, str]], rebuild: bool) -> None:
        self.progress.start(len(tasks))
        ocr_started = 0.0
        for item in self._extract_all(tasks):
            if isinstance(item, _Scans):  # every born-digital file is read: the scans come next
                ocr_started = item.started
                self.progress.recognising(item.pages)
                continue
            task, result = item
            fault("update-document")  # one more file read, not yet handed to the writer
            relpath = task.source.relpath
            if task.ocr_pages:
                self.report.recognised_pages += task.ocr_pages
                self.report.ocr_seconds = time.monotonic() - ocr_started
                self.progress.recognised(task.ocr_pages)
            if isinstance(result, ExtractionError):
                self._record_failure(task, result, failures)
                if rebuild and relpath in known:
                    self._restore_previous(known[relpath], task, writer)
                elif relpath in known:
                    self.report.kept.append(relpath)
            else:
                try:
                    document = self._document(task, result)
                except Exception as exc:  # a sidecar nested 500 levels deep, a bug in one resolution…
                    self._record_failure(task, _unexpected(exc), failures)
                    if rebuild and relpath in known:
                        self._restore_previous(known[relpath], task, writer)
                    elif relpath in known:
                        self.report.kept.append(relpath)
                else:
                    failures.pop(relpath, None)
                    writer.add(document, replace=not rebuild)
                    self.report.indexed.append(relpath)
                    self.report.titles[relpath] = document.meta.title
            self.progress.advance(relpath)

    def _extract_all(self, tasks: list[_Task]) -> Iterator[tuple[_Task, Extracted | ExtractionError] | _Scans]:
        """Cached results first, then the rest through isolated workers: the
        born-digital files, then those with pages to recognise (OCR), which
        take seconds a page and so do not hold the others back."""
        to_run: list[_Task] = []
        for task in tasks:
            cached = self.cache.get(task.sha256, task.ocr_language)
            if cached is None or (self.retry_failed and isinstance(cached, ExtractionError)):
                to_run.append(task)
            else:
                yield task, cached
        yield from read_ahead(self._born_digital_first(to_run))

    def _born_digital_first(self, tasks: list[_Task]) -> Iterator[tuple[_Task, Extracted | ExtractionError] | _Scans]:
        scans: list[_Task] = []
        for task, result in self._cached(tasks, self._extract(tasks, defer=True)):
            if isinstance(result, ExtractionError) and result.reason == DEFERRED:
                task.ocr_pages = int(result.detail)
                scans.append(task)
            else:
                yield task, result
        if scans:
            yield _Scans(sum(t.ocr_pages for t in scans), time.monotonic())
        yield from self._cached(scans, self._extract(scans, defer=False))

    def _extract(self, tasks: list[_Task], *, defer: bool) -> Iterator[tuple[int, Outcome]]:
        items = [(str(t.source.path), self.settings.max_file_bytes,
                  replace(ocr_options(self.settings, t.ocr_language), defer=defer)) for t in tasks]
        return map_isolated(extract_file, items, workers=self.settings.workers,
                            timeout=self.settings.extract_timeout, memory_mb=self.settings.worker_memory_mb)

    def _cached(self, tasks: list[_Task], outcomes: Iterator[tuple[int, Outcome]]) -> Iterator[tuple[_Task, Extracted | ExtractionError]]:
        for index, outcome in outcomes:
            result = outcome.error if outcome.error is not None else outcome.value
            if not (isinstance(result, ExtractionError) and result.reason in MACHINE_REASONS | {DEFERRED}):
                self.cache.put(tasks[index].sha256, result)
            yield tasks[index], result

    def _document(self, task: _Task, extracted: Extracted, cached: bool = True) -> Document:
        """The record of ``task``'s file; ``cached=False`` for an older version of it (its fingerprint
        then names an older sidecar than the one read)."""
        source = task.source
        key = self.resolved.key(source.relpath, task.fingerprint, extracted.ocr_language)
        resolved = self.resolved.get(key) if cached else None
        if resolved is None:
            resolved = self._resolve(source, extracted)
            if cached:
                self.resolved.put(key, resolved)
        meta = resolved.meta
        if resolved.pages is not None:
            extracted = replace(extracted, pages=resolved.pages)
        self.staff_touched = self.staff_touched or resolved.staff_touched
        self.asked_model = self.asked_model or bool(resolved.model)
        if meta.warnings:
            self.report.warnings[source.relpath] = meta.warnings
        return Document(
            id=document_id(source.relpath), relpath=source.relpath, format=extracted.format,
            meta=meta, pages=extracted.pages, sha256=task.sha256, fingerprint=task.fingerprint,
            size=source.size, mtime=source.mtime,
            ocr_pages=[p for p in extracted.ocr_pages if p <= len(extracted.pages)],  # the page cap may cut some
            ocr_language=extracted.ocr_language,
        )

    def _resolve(self, source: SourceFile, extracted: Extracted) -> Resolved:
        capped, cut = cap(extracted, self.caps)
        staff, staff_warnings = read_sidecar(source.sidecar)
        learned = WatchedModel.of(self.learned)
        meta = resolve_metadata(source.relpath, capped, staff, self.vocab, [*cut, *staff_warnings], learned)
        return Resolved(meta, capped.pages if cut else None, bool(staff.sectors or staff.doctype),
                        learned.signature if learned.asked else "")

    def _record_failure(self, task: _Task, error: ExtractionError, failures: dict[str, dict[str, str]]) -> None:
        relpath = printable_path(task.source.relpath)
        self.report.failed[relpath] = (error.reason, error.detail)
        failures[relpath] = {"reason": error.reason, "detail": error.detail, "fingerprint": task.fingerprint}

    def _restore_previous(self, previous: _Known, task: _Task, writer: DocumentWriter, count: bool = True) -> None:
        """In a rebuild, a file that no longer reads keeps its last readable version."""
        cached = self.cache.get(previous.sha256)
        if isinstance(cached, Extracted):
            old = _Task(task.source, previous.sha256, previous.fingerprint)
            try:
                document = self._document(old, cached, cached=False)
            except Exception:
                return  # its last version does not resolve either: it stays failed
            writer.add(document, replace=False)
            if count:
                self.report.kept.append(task.source.relpath)

    def _remove_missing(self, gone: set[str], known: dict[str, _Known], writer: DocumentWriter,
                        failures: dict[str, dict[str, str]], rebuild: bool) -> None:
        for relpath in sorted(gone):
            if relpath in known:
                if not rebuild:
                    writer.delete(known[relpath].doc_id)
                self.report.removed.append(relpath)
            failures.pop(relpath, None)

    def _count(self, ix: Index) -> None:
        with ix.searcher() as searcher:  # doc_frequency would count deleted records
            self.report.documents = sum(1 for _ in searcher.docs_for_query(Term("kind", "doc")))
            self.report.pages = sum(1 for _ in searcher.docs_for_query(Term("kind", "page")))


def _known_documents(ix: Index, relpaths: set[str] | None = None) -> dict[str, _Known]:
    """What the index holds about each document (or just those at ``relpaths``)."""
    known: dict[str, _Known] = {}
    with ix.searcher() as searcher:
        if relpaths is None:
            docnums = list(searcher.document_numbers(kind="doc"))
        else:
            docnums = [n for relpath in sorted(relpaths) for n in _numbers(searcher, relpath)]
        for docnum in docnums:
            fields = searcher.stored_fields(docnum)
            info = fields["info"]
            known[fields["relpath"]] = _Known(fields["doc_id"], info["fingerprint"], info["sha256"], info["size"], info["mtime"],
                                              list(info.get("warnings") or []))
    return known


def _numbers(searcher: Searcher, relpath: str) -> list[int]:
    try:
        return list(searcher.document_numbers(relpath=relpath, kind="doc"))
    except UnicodeEncodeError:  # a name that is not UTF-8 cannot be a term: look through them all
        return [n for n in searcher.document_numbers(kind="doc") if searcher.stored_fields(n)["relpath"] == relpath]


class _Damaged(Exception):
    """The live index opened but its records cannot be read: the run starts again as a rebuild."""


def _unexpected(exc: Exception) -> ExtractionError:
    """An error no reader foresaw, as one file's failure (not cached: it may be ours, not the file's)."""
    return ExtractionError("error", f"{type(exc).__name__}: {exc}"[:300])


def printable_path(relpath: str) -> str:
    """A path that can be printed and stored even if its name is not UTF-8."""
    return relpath.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
