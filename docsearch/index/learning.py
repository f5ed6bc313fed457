"""Keep the learned classifier in line with the records staff confirmed.

The examples come from the index itself (each document's staff-given sectors
and type, its title and the stored text of its first pages), so retraining
needs no extraction; ``catalogue.learned`` does the training and owns the
model file. A run of ``update_index`` calls ``refresh_learned`` when it
wrote or removed a document staff had described (or on a full run with no
model yet): the same confirmed records give the same signature, and no
retraining.

Training takes seconds (importing scikit-learn alone about 1.1 s, the fit
0.7 s at 2,000 PDFs), so the command line's ``add`` and ``remove`` answer
first and leave it to ``docsearch learn``, started detached (``learn_later``);
the web queue trains after answering. A lock beside the model file lets one
training at a time read the index and write the model: two at once could
otherwise save the older examples' model last.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import Index

from docsearch.catalogue.learned import TEXT_CHARS, Example, LearnedModel, learned_path, retrain
from docsearch.catalogue.vocabulary import UNCLASSIFIED
from docsearch.config import Settings
from docsearch.index.store import IndexStore

# The classifier learns from at most this many confirmed records. Its cost grew with the corpus:
# at 20,000 generated web pages (8,000 confirmed) the examples' text and TF-IDF took 20-30 s and
# most of the 890 MB peak of `docsearch index`; past a couple of thousand examples, more of them
# no longer change what a linear model over 20,000 terms learns.
MAX_EXAMPLES = 2_000


def confirmed_examples(ix: Index) -> list[Example]:
    """The indexed documents whose sectors or type staff gave (a stable sample of
    ``MAX_EXAMPLES`` of them when there are more)."""
    confirmed: dict[str, tuple[dict[str, object], tuple[str, ...], str]] = {}
    with ix.searcher() as searcher:
        for fields in searcher.documents(kind="doc"):
            info = fields.get("info") or {}
            origins = info.get("origins", {})
            sectors = tuple(s for s in info.get("sectors", []) if s != UNCLASSIFIED) if origins.get("sectors") == "staff" else ()
            doctype = fields.get("doctype", "") if origins.get("doctype") == "staff" else ""
            if sectors or doctype:
                confirmed[fields["doc_id"]] = (fields, sectors, doctype)
        if len(confirmed) > MAX_EXAMPLES:
            # A sample that stays put as records come and go: the same ids keep being chosen.
            sample = sorted(confirmed, key=lambda doc_id: hashlib.sha1(doc_id.encode("utf-8")).digest())[:MAX_EXAMPLES]
            confirmed = {doc_id: confirmed[doc_id] for doc_id in sample}
        # One pass over the pages, not one query per document: with a query per
        # document, 2,000 confirmed PDFs took 8.6 s of a 10.6 s `docsearch add`.
        pages: dict[str, list[tuple[int, str]]] = {doc_id: [] for doc_id in confirmed}
        for page in searcher.documents(kind="page"):
            kept = pages.get(page.get("doc_id", ""))
            if kept is not None:
                kept.append((page.get("page", 0), page.get("page_text", "")))
    examples: list[Example] = []
    for doc_id, (fields, sectors, doctype) in confirmed.items():
        text, size = [], 0
        for _, page_text in sorted(pages[doc_id], key=lambda p: p[0]):
            if size >= TEXT_CHARS:
                break
            text.append(page_text)
            size += len(page_text)
        info = fields.get("info") or {}
        fingerprint = info.get("fingerprint", "") if isinstance(info, dict) else ""
        examples.append(Example(f"{doc_id}:{fingerprint}", str(fields.get("title", "")), "\n".join(text), sectors, doctype))
    return examples


def refresh_learned(open_index: Callable[[], Index], model_path: Path) -> LearnedModel | None:
    """Retrain if the confirmed records changed; never fails the run (no model then)."""
    try:
        with _training(model_path):  # the examples are read inside: the last training sees the last records
            return retrain(model_path, confirmed_examples(open_index()))
    except Exception:  # a full disk, scikit-learn missing or failing: no learned guesses, the run goes on
        return None


@contextmanager
def _training(model_path: Path) -> Iterator[None]:
    model_path.parent.mkdir(parents=True, exist_ok=True)
    with open(model_path.with_name(model_path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def learn(settings: Settings) -> LearnedModel | None:
    """Train the classifier on the index's confirmed records now (``docsearch learn``)."""
    return refresh_learned(lambda: IndexStore(settings.index_dir).open(), learned_path(settings.instance_dir))


def learn_later(settings: Settings) -> None:
    """Start ``docsearch learn`` in a process of its own that outlives this one.

    ``docsearch add FILE --sector …`` took 3.7 s to make a document findable at
    2,000 PDFs, 1.8 s of it training; the document is findable without the
    model (it only guesses other documents' fields at their next indexing)."""
    command = [sys.executable, "-c", "from docsearch.cli import main; main()",
               "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
               "--instance", str(settings.instance_dir), "learn"]
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    try:  # not a Popen: nothing here waits for it (this process ends first, the system reaps it)
        os.posix_spawn(sys.executable, command, os.environ, file_actions=quiet, setsid=True)
    except OSError:  # no process to spare: the next ``docsearch learn`` (or full ``index``) trains
        pass
