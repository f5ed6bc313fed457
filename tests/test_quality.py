"""Search quality features: spelling suggestions, the field's synonyms, similar documents, the benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchService
from tests.conftest import PROJECT, html_page


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("cooperatve", "coopérative"),
        ("econmie solidaire", "économie solidaire"),
        ("ressourcerei", "ressourcerie"),
        ("rapport d'activté 2012", "rapport d'activité 2012"),
    ],
)
def test_did_you_mean_uses_the_words_of_the_corpus(sample_service, query: str, suggestion: str) -> None:
    assert sample_service.search(SearchRequest(q=query)).suggestion == suggestion


def test_no_suggestion_when_every_word_is_known(sample_service) -> None:
    assert sample_service.search(SearchRequest(q="économie solidaire")).suggestion is None


def test_a_typo_still_finds_documents(sample_service) -> None:
    hits = sample_service.search(SearchRequest(q="cooperatve habitants", per_page=3)).hits
    assert "web/cooperative-habitants-caen.html" in [h.relpath for h in hits]


@pytest.fixture
def field_service(tmp_path: Path) -> SearchService:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = {
        "iae.html": ("Parcours", "Notre structure d'insertion par l'activité économique accueille vingt salariés."),
        "sigle.html": ("Réseau", "Le réseau des SCOP de la région compte trente membres."),
        "autre.html": ("Autre", "Une association culturelle de la région."),
    }
    for name, (title, body) in pages.items():
        (corpus / name).write_bytes(html_page(title, body))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1)
    update_index(settings)
    return SearchService(settings)


def test_acronym_finds_its_expansion_and_back(field_service) -> None:
    def found(q: str) -> set[str]:
        return {h.relpath for h in field_service.search(SearchRequest(q=q)).hits}

    assert found("IAE") == {"iae.html"}
    assert found("société coopérative et participative") >= {"sigle.html"}
    assert found("SCOP") == {"sigle.html"}


def test_staff_can_extend_the_synonyms(tmp_path: Path, field_service) -> None:
    extra = tmp_path / "synonymes.toml"
    extra.write_text('groups = [["parcours emploi", "insertion"]]\n', encoding="utf-8")
    service = SearchService(Settings(corpus_dir=field_service.settings.corpus_dir,
                                     index_dir=field_service.settings.index_dir, synonyms_file=extra))
    assert {h.relpath for h in service.search(SearchRequest(q="parcours emploi")).hits} >= {"iae.html"}


def test_similar_documents(sample_service) -> None:
    report = sample_service.search(SearchRequest(q="méthanisation")).hits[0]
    similar = sample_service.similar(report.id)
    assert similar and report.id not in [d.id for d in similar]
    assert any("ARDESS" in d.title for d in similar)


def test_relevance_benchmark_runs_on_any_split(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"id": "d1", "title": "Coopératives", "text": "Une coopérative d'habitants partage un immeuble.", "category": "Société"},
        {"id": "d2", "title": "Vélos", "text": "L'atelier répare les vélos des étudiants.", "category": "Société"},
    ]), encoding="utf-8")
    (tmp_path / "q.tsv").write_text("q1\tQui partage un immeuble ?\nq2\tQue répare l'atelier ?\n", encoding="utf-8")
    (tmp_path / "r.tsv").write_text("q1\td1\t1\nq2\td2\t1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "relevance.py"), "--docs", str(docs),
         "--queries", str(tmp_path / "q.tsv"), "--qrels", str(tmp_path / "r.tsv")],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    assert result.stdout.strip().splitlines()[-1] == "MRR@10=1.000 R@10=1.000 P@1=1.000"
