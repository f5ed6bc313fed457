"""Writing documents to the index, on one core or several.

A Whoosh writer works on one core, and analysing and writing postings is
most of an indexing run. With ``processes`` > 1, child processes each write
a segment of their own from the documents sent to them, while this process
(which holds Whoosh's lock) deletes replaced documents and, at the end,
commits every segment in one table of contents, as ``whoosh.multiproc`` does.
A child that fails makes the whole commit fail: no document is dropped
silently, and a rebuild that fails leaves the live generation serving.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.writing import SegmentWriter

from docsearch.catalogue.records import Document
from docsearch.errors import DocsearchError
from docsearch.extraction.workers import exit_with_parent, read_frame, write_frame
from docsearch.faults import fault
from docsearch.index.filenames import filename_words
from docsearch.index.internals import commit_segments, finalize_segment, has_added
from docsearch.index.postings import document_terms
from docsearch.index.store import UNKNOWN_YEAR, faster, open_writer
from docsearch.text import fold

BATCH = 16  # documents per message to a child process
# The postings a child process sorts in memory before it spills them to disk (Whoosh's
# ``limitmb``, an estimate: the process grows to about 1.5 times it). Measured on
# ``index --rebuild --fresh`` of 2,000 PDFs (12,808 pages, extraction cached; peak RSS of
# the process tree, side by side): 128 MB 14.0 s / 453 MB, 80 MB 14.3-15.0 s / 331 MB,
# 48 MB 16.7 s / 247 MB (more runs spilled and merged).
CHILD_MEMORY_MB = 80


class DocumentWriter:
    def __init__(self, ix: Index, processes: int = 1) -> None:
        self.writer = open_writer(ix)
        self.batch: list[Document] = []
        self.turn = 0
        # Fresh interpreters (not forks: the caller may have threads), fed
        # through their standard input like the extraction workers.
        self.children = [
            subprocess.Popen([sys.executable, "-m", "docsearch.index.writer", ix.storage.folder, ix.indexname, str(os.getpid())],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            for _ in range(processes if processes > 1 else 0)
        ]

    def add(self, doc: Document, *, replace: bool) -> None:
        if replace:
            self.delete(doc.id)
        if not self.children:
            write_document(self.writer, doc)
            return
        self.batch.append(doc)
        if len(self.batch) >= BATCH:
            self._send()

    def delete(self, doc_id: str) -> None:
        self.writer.delete_by_term("doc_id", doc_id)

    def _send(self) -> None:
        child = self.children[self.turn % len(self.children)]
        self.turn += 1
        self._tell(child, self.batch)
        self.batch = []

    def _tell(self, child: subprocess.Popen[bytes], message: object) -> None:
        try:
            assert child.stdin is not None  # started with stdin=PIPE
            write_frame(child.stdin, message)
        except OSError:
            self._segment(child)  # raises with the child's own reason if it left one
            raise IndexingError("an indexing process stopped") from None

    def commit(self) -> None:
        fault("writer-commit")
        if not self.children:
            try:
                self.writer.commit()
            except BaseException:
                # A commit that fails half-way (a full disk) must still let go of
                # Whoosh's write lock, or every later writer of this process
                # fails with LockError until a restart (found by bench/chaos.py).
                self._release()
                raise
            return
        try:
            if self.batch:
                self._send()
            for child in self.children:
                self._tell(child, None)
            segments = [segment for segment in map(self._segment, self.children) if segment is not None]
        except BaseException:
            self.cancel()  # the other children stopped, Whoosh's lock and files released
            raise
        commit_segments(self.writer, segments)

    @staticmethod
    def _segment(child: subprocess.Popen[bytes]) -> Any:
        try:
            assert child.stdout is not None  # started with stdout=PIPE
            status, value = read_frame(child.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise IndexingError(f"an indexing process stopped (exit code {child.wait()})") from None
        child.wait()
        if status != "ok":
            raise IndexingError(f"an indexing process failed: {value}")
        return value

    def _release(self) -> None:
        try:
            self.cancel()
        except Exception:
            pass  # the writer is half-closed: its lock is released below
        lock = getattr(self.writer, "writelock", None)  # public in Whoosh's SegmentWriter
        if lock is not None:
            try:
                lock.release()
            except Exception:
                pass  # already released by cancel()

    def cancel(self) -> None:
        for child in self.children:
            child.kill()
            child.wait()
        if not self.writer.is_closed:
            self.writer.cancel()

    def __enter__(self) -> DocumentWriter:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            if kind is None:
                self.commit()
            else:
                self.cancel()
        finally:
            for child in self.children:
                for stream in (child.stdin, child.stdout):
                    if stream:
                        try:
                            stream.close()
                        except OSError:  # a child that died leaves bytes no one reads (BrokenPipeError)
                            pass  # the run's own error, if any, is what the caller must see


class IndexingError(DocsearchError):
    """An indexing process failed: the run is abandoned, nothing is committed."""


def _child(folder: str, indexname: str, parent: int) -> None:
    exit_with_parent(parent)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt the frames
    try:
        ix = whoosh_index.open_dir(folder, indexname)
        writer = faster(SegmentWriter(ix, _lk=False, limitmb=CHILD_MEMORY_MB), CHILD_MEMORY_MB)
        while (batch := read_frame(stdin)) is not None:
            fault("writer-child-batch")  # a batch received, not yet written
            for doc in batch:
                write_document(writer, doc)
        write_frame(stdout, ("ok", finalize_segment(writer) if has_added(writer) else None))
    except Exception as exc:
        try:
            write_frame(stdout, ("error", f"{type(exc).__name__}: {exc}"[:300]))
        except OSError:
            pass  # the parent has gone


def write_document(writer: SegmentWriter, doc: Document) -> None:
    """One document record and one record per non-empty page."""
    meta = doc.meta
    # A title given by staff or metadata counts as words of the document.
    title = None if fold(meta.title) in fold("\n\n".join(doc.pages)[:2000]) else meta.title
    catalogue = _catalogue_fields(doc)
    more_words = " ".join(catalogue.get(name, "") for name in ("authors", "keywords", "filename"))
    terms = document_terms(doc.pages, title, writer.schema["content"].format, more_words)
    writer.add_document(
        id=doc.id, kind="doc", doc_id=doc.id, page=0, relpath=doc.relpath, sha256=doc.sha256,
        title=meta.title, summary=meta.summary, organisation=meta.organisation, territory=meta.territory,
        content=terms.content, words=terms.words, sectors=",".join(meta.sectors), doctype=meta.doctype,
        year=meta.year or 0, year_key=str(meta.year) if meta.year else UNKNOWN_YEAR, added=int(doc.mtime),
        info=_info(doc), **catalogue,
    )
    for number, (text, analysed) in enumerate(zip(doc.pages, terms.pages), start=1):
        if analysed is not None:
            writer.add_document(id=f"{doc.id}/{number}", kind="page", doc_id=doc.id, page=number,
                                page_text=analysed, _stored_page_text=text)


def _catalogue_fields(doc: Document) -> dict[str, str]:
    """Authors, keywords, language and the file name's words; a
    field without a value is left out (Whoosh indexes no empty term)."""
    meta = doc.meta
    values = {"authors": "; ".join(meta.authors), "keywords": "; ".join(meta.keywords),
              "filename": filename_words(doc.relpath),
              "keyword_key": ",".join(k.replace(",", " ") for k in meta.keywords),
              "language": meta.language}
    return {name: value for name, value in values.items() if value}


def _info(doc: Document) -> dict[str, object]:
    meta = doc.meta
    return {
        "format": doc.format, "url": meta.url, "sha256": doc.sha256, "fingerprint": doc.fingerprint,
        "size": doc.size, "mtime": doc.mtime, "added": doc.added, "page_count": len(doc.pages),
        "sectors": meta.sectors, "origins": meta.origins, "confidence": meta.confidence, "warnings": meta.warnings,
        "to_check": meta.to_check(), "ocr_pages": doc.ocr_pages, "ocr_language": doc.ocr_language,
        "authors": meta.authors, "keywords": meta.keywords, "cote": meta.cote,
    }


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
