"""The shipped sample corpus: a believable documentation centre that searches well out of the box."""

from __future__ import annotations

import json

from click.testing import CliRunner

from docsearch.cli import cli
from docsearch.search.service import SearchRequest


def test_sample_corpus_is_a_believable_documentation_centre(sample_service) -> None:
    docs = sample_service.all_documents()
    assert len(docs) >= 40
    assert len({s.code for d in docs for s in d.sectors} - {"non-classe"}) >= 8
    years = {d.year for d in docs if d.year}
    assert len(years) >= 10 and min(years) <= 2006 and max(years) >= 2024
    assert len([d for d in docs if d.type.code == "rapport-activite" and d.page_count >= 10]) >= 3
    assert {d.format for d in docs} == {"pdf", "html"}
    origins = {d.origins["title"] for d in docs}
    assert {"staff", "embedded", "text"} <= origins


def test_economie_sociale_json_has_snippets_pages_and_facets(sample_settings) -> None:
    args = ["--corpus", str(sample_settings.corpus_dir), "--index", str(sample_settings.index_dir)]
    result = CliRunner().invoke(cli, [*args, "search", "économie sociale", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] >= 4 and data["hits"]
    assert all(hit["snippets"] and hit["pages"] for hit in data["hits"])
    assert any("<mark" in s["html"] for hit in data["hits"] for s in hit["snippets"])
    assert sum(v["count"] for v in data["facets"]["types"]) == data["total"]


def test_same_documents_without_accents(sample_service) -> None:
    def ids(q: str) -> list[str]:
        return [h.id for h in sample_service.search(SearchRequest(q=q, per_page=100)).hits]

    assert ids("économie sociale") == ids("economie sociale") == ids("ECONOMIE SOCIALE")


def test_word_deep_in_a_long_report_has_its_page_and_snippet(sample_service) -> None:
    hit = sample_service.search(SearchRequest(q="méthanisation")).hits[0]
    assert hit.relpath == "entrepreneuriat/2012/rapport-activite-2012.pdf"
    assert hit.pages == [17] and hit.snippets[0].page == 17


def test_inferred_metadata_of_an_unsorted_report(sample_service) -> None:
    doc = next(d for d in sample_service.all_documents() if d.relpath == "a-trier/scan-0012.pdf")
    assert (doc.year, doc.type.code) == (2010, "rapport-activite")
    assert doc.origins["year"] == "text" and "year" in doc.to_check


def test_unknown_sector_from_staff_is_filed_as_non_classe(sample_service) -> None:
    doc = next(d for d in sample_service.all_documents() if d.relpath.endswith("les-ailes-solidaires-plaquette.pdf"))
    assert "non-classe" in [s.code for s in doc.sectors]
    assert any("aéronautique" in w for w in doc.warnings)


def test_activity_reports_of_one_organisation_by_year(sample_service) -> None:
    result = sample_service.search(SearchRequest(q="ARDESS", types=("rapport-activite",), sort="date"))
    assert [h.year for h in result.hits][:3] == [2012, 2010, 2008]
