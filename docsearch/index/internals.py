"""Every use of a private attribute of Whoosh, in one place.

docsearch reaches into whoosh-reloaded 2.7.5 in three spots where the public
API is too slow or too narrow: committing segments written by several
processes (``writer``), reading a segment's field-length column whole
(``store``, ``ranking``) and reading posting lists a block at a time
(``ranking``). Each goes through a small function here, and this module
checks when it is imported that the attributes it needs are still there, so
another Whoosh version fails at start-up with a clear message rather than
with wrong results halfway through a search.
"""

from __future__ import annotations

import bisect
import itertools
import pickle
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.codec.base import OutOfOrderError
from whoosh.reading import SegmentReader
from whoosh.system import _INT_SIZE
from whoosh.writing import SegmentWriter

PINNED = "whoosh-reloaded 2.7.5"

# Methods looked up on the class; instance attributes, which only exist once
# an object is built, are checked in the code of the method that sets them
# (its ``co_names`` lists every attribute it reads or writes).
_METHODS: list[tuple[type, str]] = [
    (SegmentWriter, "_merge_segments"),
    (SegmentWriter, "_finalize_segment"),
    (SegmentWriter, "_close_segment"),
    (SegmentWriter, "_commit_toc"),
    (SegmentWriter, "_finish"),
    (whoosh3.W3PerDocReader, "_cached_reader"),
    (whoosh3.W3LeafMatcher, "_read_data"),
    (whoosh3.W3LeafMatcher, "_next_block"),
    (whoosh3.W3PostingsWriter, "_write_block"),
]
_INSTANCE: list[tuple[Callable[..., Any], str]] = [
    (SegmentWriter.__init__, "_added"),
    (SegmentWriter.__init__, "_tempstorage"),
    (SegmentReader.__init__, "_perdoc"),
    (whoosh3.W3LeafMatcher.__init__, "_byteids"),
    (whoosh3.W3LeafMatcher._goto, "_data"),
    (whoosh3.W3LeafMatcher._goto, "_i"),
    (whoosh3.W3LeafMatcher._goto, "_blocklength"),
    (whoosh3.W3LeafMatcher._goto, "_maxid"),
    (whoosh3.W3LeafMatcher.__init__, "_fixedsize"),
    (columns.NumericColumn.Reader.__init__, "_dbfile"),
    (columns.NumericColumn.Reader.__init__, "_basepos"),
    (columns.NumericColumn.Reader.__init__, "_count"),
    (columns.NumericColumn.Reader.__init__, "_doccount"),
    (columns.NumericColumn.Reader.__init__, "_typecode"),
    (columns.NumericColumn.Reader.__init__, "_default"),
    (whoosh3.W3FieldWriter.start_term, "_postwriter"),
    (whoosh3.W3PostingsWriter.__init__, "_blocklimit"),
    (whoosh3.W3PostingsWriter._new_block, "_ids"),
    (whoosh3.W3PostingsWriter._new_block, "_weights"),
    (whoosh3.W3PostingsWriter._new_block, "_values"),
    (whoosh3.W3PostingsWriter._new_block, "_minlength"),
    (whoosh3.W3PostingsWriter._new_block, "_maxlength"),
    (whoosh3.W3PostingsWriter._new_block, "_maxweight"),
]
_FUNCTIONS = ["_lenfield", "LENGTHS_COLUMN"]


def _check() -> None:
    missing = [f"{cls.__name__}.{name}" for cls, name in _METHODS if not callable(getattr(cls, name, None))]
    missing += [f"{method.__qualname__} sets {name}" for method, name in _INSTANCE
                if name not in getattr(getattr(method, "__code__", None), "co_names", ())]
    missing += [f"whoosh.codec.whoosh3.{name}" for name in _FUNCTIONS if not hasattr(whoosh3, name)]
    if missing:
        raise ImportError(
            f"docsearch needs {PINNED} exactly (pinned in pyproject.toml): the installed Whoosh lacks "
            + ", ".join(missing)
        )


_check()


# Committing segments written elsewhere (``writer``) -------------------------


def has_added(writer: SegmentWriter) -> bool:
    """Whether this writer was given any document of its own."""
    return bool(writer._added)


def finalize_segment(writer: SegmentWriter) -> Any:
    """Close the writer's own segment and return it (for another writer to commit)."""
    return writer._finalize_segment()


def commit_segments(writer: SegmentWriter, segments: list[Any]) -> None:
    """Commit the writer's segments (its own, if it wrote any) plus
    ``segments`` written by other processes, in one table of contents,
    as ``whoosh.multiproc`` does."""
    final = writer._merge_segments(None, None, None) + segments
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


def temp_storage(writer: SegmentWriter) -> Any:
    """Where the writer's posting pool spills its sorted runs."""
    return writer._tempstorage


# Writing a segment's posting lists (``store``) ------------------------------


def inline_add_postings(writer: SegmentWriter) -> None:
    """The writer's segment written through ``add_postings`` below."""
    fieldwriter = writer.fieldwriter
    if isinstance(fieldwriter, whoosh3.W3FieldWriter):  # the codec of every index docsearch writes
        fieldwriter.add_postings = lambda schema, lengths, items: add_postings(fieldwriter, schema, lengths, items)


def add_postings(fieldwriter: Any, schema: Any, lengths: Any, items: Iterable[tuple[str, bytes, int, float, bytes | None]]) -> None:
    """``FieldWriter.add_postings`` with ``W3PostingsWriter.add_posting`` inlined.

    The same calls to the field writer, in the same order, so the same bytes:
    only the per-posting layers (two method calls, four type assertions) are
    gone. Every posting of a segment goes through this loop: measured on
    ``index --rebuild --fresh`` of 2,000 PDFs in one process under cProfile
    (1.9 million postings), Whoosh's loop and ``add_posting`` took 9.5 s of 59 s.
    Side by side, two child processes, median of 3: processor time of the
    process tree 19.7 s -> 18.8 s user; the answers to the 200 bench queries
    (``bench/answers.py dump``) and the index size unchanged.
    """
    dfl = lengths.doc_field_length if lengths else (lambda docnum, fieldname: 0)
    lastfn: str | None = None
    lasttext: bytes | None = None
    post: Any = None
    ids: Any = None
    for fieldname, btext, docnum, weight, value in items:
        if fieldname != lastfn:
            if lastfn is not None and fieldname < lastfn:
                raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
            if lasttext is not None:
                fieldwriter.finish_term()
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            lastfn, lasttext = fieldname, None
        elif lasttext and btext < lasttext:
            raise OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
        if docnum == -1:  # a spelling word, not a posting (as Whoosh skips them)
            continue
        if btext != lasttext:
            if lasttext is not None:
                fieldwriter.finish_term()
            fieldwriter.start_term(btext)
            lasttext = btext
            post = fieldwriter._postwriter
            ids = post._ids
        length = dfl(docnum, fieldname)
        # W3PostingsWriter.add_posting, without its assertions
        if len(ids) >= post._blocklimit:
            post._write_block()
            ids = post._ids
        ids.append(docnum)
        post._weights.append(weight)
        if weight > post._maxweight:
            post._maxweight = weight
        if value:
            post._values.append(value)
        if length:
            if post._minlength is None or length < post._minlength:
                post._minlength = length
            if length > post._maxlength:
                post._maxlength = length
    if lasttext is not None:
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


# Field lengths a column at a time (``store``, ``ranking``) ------------------


def length_bytes(perdoc: Any, field: str) -> list[int] | None:
    """The one-byte lengths of ``field`` in every document of a segment
    (``perdoc``: its per-document reader); None: no such column."""
    column = perdoc._cached_reader(whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN)
    if column is None:
        return None
    if type(column) is columns.NumericColumn.Reader and column._typecode == "B":
        # The column is one byte per document, the last ones (at the default)
        # not written: read in one piece, not a seek and a read per document
        # (0.33 s for the first search of a field at 20,000 web pages, then 2 ms).
        raw = column._dbfile.get(column._basepos, column._count)
        return list(raw) + [column._default] * (column._doccount - column._count)
    return list(column)


def segment_length_bytes(reader: Any, field: str) -> list[int] | None:
    """``length_bytes`` for a segment reader."""
    return length_bytes(reader._perdoc, field)


# Posting lists a block at a time (``ranking``) ------------------------------


def posting_blocks(matcher: Any) -> Iterator[tuple[Iterable[int], Iterable[float]]]:
    """The (ids, weights) of each block of a Whoosh 3 posting list, from the
    matcher's current position; one posting at a time for any other kind of
    matcher. What ``_read_ids`` and ``_read_weights`` do, with the delta
    decoding in C."""
    if not isinstance(matcher, whoosh3.W3LeafMatcher) or matcher._byteids:
        while matcher.is_active():
            yield [matcher.id()], [matcher.weight()]
            matcher.next()
        return
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        count, start = matcher._blocklength, matcher._i
        ids = list(itertools.accumulate(deltas))
        if weights is None or isinstance(weights, float):
            weights = [1.0 if weights is None else weights] * count
        yield ids[start:], weights[start:]
        matcher._next_block()


def posting_values(matcher: Any, targets: list[int]) -> Iterator[tuple[int, bytes]]:
    """(id, encoded value) of the postings whose id is in ``targets``
    (ascending), from the matcher's current position.

    A block whose highest id is below the next target is passed without
    being read (as ``skip_to`` does); a block that is read has its ids
    delta-decoded in C and the targets looked up in them by bisection,
    rather than a Python call to ``next()`` and ``id()`` per posting (the
    positions of a phrase's words, ``ranking._positions``)."""
    if not isinstance(matcher, whoosh3.W3LeafMatcher) or matcher._byteids or (matcher._fixedsize or -1) >= 0:
        for target in targets:
            if not matcher.is_active():
                return
            if matcher.id() < target:
                matcher.skip_to(target)
                if not matcher.is_active():
                    return
            if matcher.id() == target:
                yield target, matcher.value()
        return
    at, count = 0, len(targets)
    while at < count and matcher.is_active():
        highest = matcher._maxid
        if targets[at] > highest:
            matcher._next_block()
            continue
        if matcher._data is None:
            matcher._read_data()
        ids = list(itertools.accumulate(matcher._data[0]))
        values = matcher._data[2]
        low = matcher._i
        while at < count and targets[at] <= highest:
            target = targets[at]
            low = bisect.bisect_left(ids, target, low)
            if low < len(ids) and ids[low] == target:
                yield target, values[low]
            at += 1
        matcher._next_block()


def decode_positions(value: bytes) -> Iterator[int]:
    """``Positions.decode_positions`` (a count, then the pickled gaps), its sums done in C."""
    return itertools.accumulate(pickle.loads(value[_INT_SIZE:]))
