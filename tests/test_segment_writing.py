"""A segment written through docsearch's posting loop is byte for byte what Whoosh's own loop writes."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from docsearch.extraction import extract_file
from docsearch.index.store import faster, make_schema

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def write_segment(folder: Path, pages: list[str], whoosh_loop: bool) -> dict[str, bytes]:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = faster(SegmentWriter(ix, compound=False), 1)  # 1 MB: the pool spills and merges several runs
    if whoosh_loop:
        del writer.fieldwriter.add_postings  # back to the class's method: Whoosh's loop
    for number, page in enumerate(pages):
        # more than 128 postings per common term: posting lists of several blocks
        writer.add_document(id=f"d{number}", kind="page", doc_id=f"d{number // 3}", page=number % 3 + 1,
                            page_text=page, content=page, words=page, title=page[:80])
    writer.commit()
    # MAIN_<random segment id>.<part>: the parts' bytes are what must match
    parts = {p.name.split(".", 1)[1]: p.read_bytes() for p in folder.glob("MAIN_*.*")}
    assert {"pst", "trm"} <= parts.keys()
    return parts


def test_segment_is_what_whoosh_writes(tmp_path: Path) -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in {".pdf", ".html"})[:12]
    pages = [page for path in files for page in extract_file(str(path), 50 * 1024 * 1024).pages if page.strip()]
    pages = (pages * (400 // len(pages) + 1))[:400]
    ours = write_segment(tmp_path / "ours", pages, whoosh_loop=False)
    theirs = write_segment(tmp_path / "whoosh", pages, whoosh_loop=True)
    assert ours.keys() == theirs.keys()
    for suffix in ours:
        assert ours[suffix] == theirs[suffix], suffix
