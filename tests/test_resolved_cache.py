"""The cache of resolved records, and the rebuild that takes over an unchanged live generation:
a rebuild gives the records a cold build gives, and anything a record depends on
(its sidecar, the vocabulary, the guessing code) makes it resolved again."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from docsearch.config import PACKAGE_DATA, Settings
from docsearch.index import resolved
from docsearch.index.store import IndexStore
from docsearch.index.update import update_index
from tests.conftest import html_page

POISON = "TITRE SERVI PAR LE CACHE"


def stored(settings: Settings) -> list[str]:
    """Every stored record of the live index, as sorted JSON lines."""
    with IndexStore(settings.index_dir).open().searcher() as searcher:
        return sorted(json.dumps(fields, sort_keys=True, default=str) for fields in searcher.all_stored_fields())


def titles(settings: Settings) -> dict[str, str]:
    with IndexStore(settings.index_dir).open().searcher() as searcher:
        return {fields["relpath"]: fields["title"] for fields in searcher.documents(kind="doc")}


def entries(settings: Settings) -> list[Path]:
    return sorted((settings.cache_dir / "resolved").glob("*/*.json"))


def poison(settings: Settings) -> None:
    """Give every cached record another title: a record that shows it was served from the cache."""
    for path in entries(settings):
        data = json.loads(path.read_bytes())
        data["meta"]["title"] = POISON
        path.write_text(json.dumps(data), encoding="ascii")


@pytest.fixture
def small(settings: Settings, corpus: Path, tmp_path: Path) -> Settings:
    for n, (folder, subject) in enumerate([("culture", "le festival de musique"), ("habitat", "la rénovation du logement"),
                                          ("", "une note sans dossier")]):
        page = corpus / folder / f"page-{n}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(html_page(f"Page {n}", f"Un compte rendu sur {subject}, écrit en {2010 + n}. " * 20))
    (corpus / "culture" / "page-0.html.meta.toml").write_text('titre = "Titre donné"\n', encoding="utf-8")
    vocabulary = tmp_path / "vocabulary.toml"
    shutil.copyfile(PACKAGE_DATA / "vocabulary.toml", vocabulary)
    return replace(settings, vocabulary_file=vocabulary)


def test_a_build_from_cached_records_writes_what_a_cold_build_writes(small: Settings, tmp_path: Path) -> None:
    update_index(small)
    assert len(entries(small)) == 3
    cold = stored(small)
    again = replace(small, index_dir=tmp_path / "other-index")  # no live generation, the same cache
    shutil.copytree(small.cache_dir, again.cache_dir)
    update_index(again)
    assert stored(again) == cold


def test_a_rebuild_with_nothing_changed_takes_over_the_live_generation(small: Settings) -> None:
    update_index(small)
    before = stored(small)
    report = update_index(small, rebuild=True)
    assert report.reused and report.rebuilt and sorted(report.indexed) == ["culture/page-0.html", "habitat/page-1.html",
                                                                          "page-2.html"]
    assert report.documents == 3 and stored(small) == before
    # A record deleted in the segments (a file removed): the next rebuild writes the generation again.
    (small.corpus_dir / "page-2.html").unlink()
    update_index(small)
    report = update_index(small, rebuild=True)
    assert not report.reused and report.documents == 2


def test_a_rebuild_writes_anew_a_generation_changed_since_it_was_built(small: Settings) -> None:
    update_index(small)
    before = stored(small)
    # One byte of a segment changed behind the index's back (a disk, a hand): the rebuild is
    # the cure the documentalist reaches for, so it must not carry the damage over.
    store = IndexStore(small.index_dir)
    current = store.current_dir()
    assert current is not None
    segment = max(current.glob("*.seg"), key=lambda path: path.stat().st_size)
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    report = update_index(small, rebuild=True)
    assert not report.reused and report.documents == 3 and stored(small) == before
    # Written anew, its files are recorded again: the next rebuild with nothing changed takes them over.
    assert update_index(small, rebuild=True).reused
    # An update that writes a record changes the files too.
    page = small.corpus_dir / "culture" / "page-9.html"
    page.write_bytes(html_page("Page 9", "Une nouvelle page sur le théâtre de rue. " * 20))
    update_index(small)
    assert not update_index(small, rebuild=True).reused


def test_a_sidecar_edit_resolves_that_record_again(small: Settings) -> None:
    update_index(small)
    poison(small)
    sidecar = small.corpus_dir / "culture" / "page-0.html.meta.toml"
    sidecar.write_text('titre = "Titre corrigé"\n', encoding="utf-8")
    report = update_index(small, rebuild=True)
    assert not report.reused
    # The edited record is fresh; the others came from the cache (their entries are what it serves).
    assert titles(small) == {"culture/page-0.html": "Titre corrigé", "habitat/page-1.html": POISON, "page-2.html": POISON}


def test_a_vocabulary_edit_resolves_every_record_again(small: Settings) -> None:
    update_index(small)
    fresh = titles(small)
    poison(small)
    small.vocabulary_file.write_text(small.vocabulary_file.read_text(encoding="utf-8") + "\n# relu\n", encoding="utf-8")
    update_index(small, rebuild=True)
    assert titles(small) == fresh


def test_a_change_in_the_guessing_code_resolves_every_record_again(small: Settings, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # The digest is of the code's bytes: one byte more in a guessing module changes it.
    package = tmp_path / "package"
    for pattern in resolved._CODE:
        for path in resolved._PACKAGE.glob(pattern):
            target = package / path.relative_to(resolved._PACKAGE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    before = resolved.files_digest(package, resolved._CODE)
    with open(package / "catalogue" / "titles.py", "a", encoding="utf-8") as handle:
        handle.write("\n# a changed rule\n")
    assert resolved.files_digest(package, resolved._CODE) != before
    # A run with another code digest serves no entry written by this one.
    update_index(small)
    fresh = titles(small)
    poison(small)
    monkeypatch.setattr(resolved, "code_digest", lambda patterns=resolved._CODE: "autre code " + str(patterns))
    report = update_index(small, rebuild=True)
    assert not report.reused and titles(small) == fresh


def test_a_damaged_entry_is_resolved_again_and_a_rebuild_sweeps_the_stale_ones(small: Settings) -> None:
    update_index(small)
    fresh = titles(small)
    for path, garbage in zip(entries(small), [b"\x00\x01", b'{"meta": {"title": 3}}', b"[]"]):
        path.write_bytes(garbage)
    stale = small.cache_dir / "resolved" / "ff" / ("f" * 64 + ".json")
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("{}", encoding="ascii")
    (small.corpus_dir / "page-2.html").touch()  # not the live generation's any more: written again
    report = update_index(small, rebuild=True)
    assert not report.reused and not report.failed and titles(small) == fresh
    assert not stale.exists() and len(entries(small)) == 3
