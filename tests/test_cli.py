"""The docsearch command end to end: index, search, add, remove, stats, serve."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from docsearch.cli import cli
from tests.conftest import DATA, copy_sample, html_page
from tests.faults import Faults


def run(settings, *args: str):
    result = CliRunner().invoke(cli, ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
                                      "--instance", str(settings.instance_dir), *args])
    return result


@pytest.fixture
def indexed(settings, corpus):
    (corpus / "culture").mkdir()
    (corpus / "culture" / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival à Rouen."))
    copy_sample(corpus, "good-report.pdf", "environnement/2011/good-report.pdf")
    copy_sample(corpus, "user-password.pdf")
    result = run(settings, "index")
    assert result.exit_code == 0, result.output
    return settings


def test_folder_options_go_before_or_after_the_subcommand(settings, corpus, tmp_path) -> None:
    (corpus / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    corpus_opt, index_opt = ["--corpus", str(settings.corpus_dir)], ["--index", str(settings.index_dir)]
    instance_opt = ["--instance", str(settings.instance_dir)]
    indexed = CliRunner().invoke(cli, ["index", *corpus_opt, *index_opt, *instance_opt])
    assert indexed.exit_code == 0 and "indexed 1," in indexed.output, indexed.output
    before = CliRunner().invoke(cli, [*corpus_opt, *index_opt, "search", "festival", "--json"])
    after = CliRunner().invoke(cli, ["search", "festival", *index_opt, "--json", *corpus_opt])
    assert before.exit_code == after.exit_code == 0, after.output
    assert json.loads(after.output)["total"] == json.loads(before.output)["total"] == 1
    # Given on both sides, the folder after the subcommand wins.
    both = CliRunner().invoke(cli, ["--index", str(tmp_path / "ailleurs"), "stats", *index_opt, "--json"])
    assert both.exit_code == 0 and json.loads(both.output)["documents"] == 1, both.output
    added = CliRunner().invoke(cli, ["users", "add", "marie", *instance_opt], input="un-mot-de-passe-solide\n" * 2)
    assert added.exit_code == 0, added.output
    assert CliRunner().invoke(cli, [*instance_opt, "users", "list"]).output == "marie\n"
    assert CliRunner().invoke(cli, ["users", *instance_opt, "list"]).output == "marie\n"


def test_index_prints_a_summary_with_failures(indexed) -> None:
    result = run(indexed, "index", "--rebuild")
    assert result.exit_code == 0, result.output
    assert "indexed 2, unchanged 0, removed 0, failed 1" in result.output
    assert "user-password.pdf: encrypted" in result.output


def test_search_json_has_hits_snippets_pages_and_facets(indexed) -> None:
    result = run(indexed, "search", "compostage", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 1 and data["hits"][0]["pages"] == [3]
    assert "<mark" in data["hits"][0]["snippets"][0]["html"]
    assert data["facets"]["sectors"][0]["value"] == "environnement"


def test_search_text_output(indexed) -> None:
    result = run(indexed, "search", "economie", "sociale")
    assert result.exit_code == 0, result.output
    assert "2 document(s)" in result.output and "1. Festival solidaire" in result.output
    assert "[économie]" in result.output


def test_user_mistakes_get_one_line_and_status_2(settings, tmp_path) -> None:
    missing = run(settings.__class__(corpus_dir=tmp_path / "nope", index_dir=tmp_path / "ix", instance_dir=tmp_path / "i"), "index")
    assert missing.exit_code == 2 and "does not exist" in missing.output and "Traceback" not in missing.output
    no_index = run(settings, "search", "x")
    assert no_index.exit_code == 2 and "docsearch index" in no_index.output


def test_unknown_sector_filter_is_refused(indexed) -> None:
    result = run(indexed, "search", "festival", "--sector", "aéronautique")
    assert result.exit_code == 2 and "Secteur inconnu" in result.output


def test_add_copies_with_metadata_and_indexes(indexed, tmp_path) -> None:
    source = tmp_path / "Plaquette de l'AMAP (v2).html"
    source.write_bytes(html_page("AMAP", "Les paniers de légumes de l'AMAP du Bocage."))
    result = run(indexed, "add", str(source), "--title", "Plaquette AMAP", "--sector", "agriculture",
                 "--year", "2019", "--type", "plaquette")
    assert result.exit_code == 0, result.output
    added = indexed.corpus_dir / "agriculture-alimentation" / "2019" / "plaquette-de-l-amap-v2.html"
    assert added.is_file() and added.with_name(added.name + ".meta.toml").is_file()
    data = json.loads(run(indexed, "search", "paniers", "--json").output)
    assert data["hits"][0]["title"] == "Plaquette AMAP" and data["hits"][0]["type"]["code"] == "plaquette"
    again = run(indexed, "add", str(source))
    assert again.exit_code == 2 and "déjà dans le fonds" in again.output


def test_add_refuses_content_that_is_not_what_its_name_says(indexed) -> None:
    result = run(indexed, "add", str(DATA / "not-a-pdf.pdf"))
    assert result.exit_code == 2 and "son contenu est du texte" in result.output
    assert not list(indexed.corpus_dir.rglob("not-a-pdf*"))


def test_add_refuses_unreadable_pdf_and_leaves_the_corpus_unchanged(indexed) -> None:
    before = sorted(p.name for p in indexed.corpus_dir.rglob("*"))
    result = run(indexed, "add", str(DATA / "image-only.pdf"))
    assert result.exit_code == 2 and "image-only" in result.output
    assert sorted(p.name for p in indexed.corpus_dir.rglob("*")) == before


def test_add_url_keeps_a_snapshot_with_its_address(indexed, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DOCSEARCH_FETCH_PRIVATE", "1")  # the test site is on 127.0.0.1
    site = tmp_path / "site"
    site.mkdir()
    (site / "article.html").write_bytes(html_page("Garage solidaire", "Le garage solidaire de Caen répare les voitures.", "iso-8859-1"))
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/article.html"
        result = run(indexed, "add", url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    hit = json.loads(run(indexed, "search", "garage", "--json").output)["hits"][0]
    assert hit["url"] == url and hit["source"] == url and hit["relpath"].startswith("web/")
    assert hit["type"]["code"] == "page-web"


def test_add_url_refuses_other_schemes(indexed, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DOCSEARCH_FETCH_PRIVATE", "1")  # refused for the scheme, not for the address
    page = tmp_path / "locale.html"
    page.write_bytes(html_page("Page locale", "Le mot zygomatique ne doit pas entrer dans le fonds."))
    connections: list[object] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]

    def accept() -> None:  # whatever would fetch ftp://127.0.0.1:port/ connects here
        while listener.fileno() != -1:
            try:
                connections.append(listener.accept()[0])
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    before = sorted(p.relative_to(indexed.corpus_dir) for p in indexed.corpus_dir.rglob("*"))
    try:
        for url in (page.as_uri(), f"ftp://127.0.0.1:{port}/locale.html", f"gopher://127.0.0.1:{port}/", "https://"):
            result = run(indexed, "add", url)
            assert result.exit_code == 2, (url, result.output)
            assert "n'est pas une adresse http ou https" in result.output, (url, result.output)
    finally:
        listener.close()
    assert connections == []  # refused before any connection
    assert sorted(p.relative_to(indexed.corpus_dir) for p in indexed.corpus_dir.rglob("*")) == before
    assert json.loads(run(indexed, "search", "zygomatique", "--json").output)["total"] == 0


def test_remove_moves_to_trash_and_unindexes(indexed) -> None:
    hit = json.loads(run(indexed, "search", "festival", "--json").output)["hits"][0]
    result = run(indexed, "remove", hit["id"])
    assert result.exit_code == 0, result.output
    assert json.loads(run(indexed, "search", "festival", "--json").output)["total"] == 0
    assert list((indexed.corpus_dir / ".corbeille").rglob("festival.html"))
    assert not (indexed.corpus_dir / "culture" / "festival.html").exists()


def test_remove_refuses_paths_outside_the_corpus(indexed) -> None:
    result = run(indexed, "remove", "../../etc/passwd")
    assert result.exit_code == 2 and "n'est pas un chemin dans le fonds" in result.output


def test_stats_lists_counts_failures_and_guesses(indexed) -> None:
    result = run(indexed, "stats")
    assert result.exit_code == 0, result.output
    assert "2 documents" in result.output
    assert "user-password.pdf: encrypted" in result.output
    data = json.loads(run(indexed, "stats", "--json").output)
    assert data["documents"] == 2 and data["failures"][0]["reason"] == "encrypted"
    assert {f["value"] for f in data["facets"]["sectors"]} == {"culture", "environnement"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Latin1Handler(QuietHandler):
    extensions_map = {".html": "text/html; charset=iso-8859-1"}  # what many older sites send


def test_add_url_reads_a_latin1_header_as_browsers_do(indexed, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DOCSEARCH_FETCH_PRIVATE", "1")  # the test site is on 127.0.0.1
    site = tmp_path / "site"
    copy_sample(site, "labelled-latin1-cp1252.html", "epicerie.html")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Latin1Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run(indexed, "add", f"http://127.0.0.1:{server.server_port}/epicerie.html")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    hit = json.loads(run(indexed, "search", "épicerie", "--json").output)["hits"][0]
    assert hit["title"] == "L’épicerie solidaire de Lisieux"
    document = json.loads(run(indexed, "search", "adhérents", "--json").output)["hits"][0]["snippets"][0]["html"]
    assert "3 €" in document


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docsearch_process(settings, *args: str, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-c", "from docsearch.cli import main; main()", "--corpus", str(settings.corpus_dir),
               "--index", str(settings.index_dir), "--instance", str(settings.instance_dir), *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


@contextlib.contextmanager
def serving(settings, **kwargs) -> Iterator[str]:
    """``docsearch serve`` on a free port of 127.0.0.1, for the time of a block; its base URL."""
    port = free_port()
    process = docsearch_process(settings, "serve", "--port", str(port), **kwargs)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/index.json")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_serve_answers_over_http(indexed) -> None:
    port = free_port()
    server = docsearch_process(indexed, "serve", "--port", str(port))
    try:
        body = wait_for(f"http://127.0.0.1:{port}/search.json?q=compostage")
        assert json.loads(body)["total"] == 1
        page = wait_for(f"http://127.0.0.1:{port}/search?q=festival").decode()
        assert "Festival solidaire" in page and 'lang="fr"' in page
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)


def wait_for(url: str, timeout: float = 20.0) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_rebuild_killed_midway_leaves_the_previous_index_and_the_next_run_completes(settings, corpus, tmp_path) -> None:
    for n in range(40):
        (corpus / f"page-{n:02d}.html").write_bytes(html_page(f"Page {n}", f"Texte numéro {n} sur l'habitat participatif."))
    assert run(settings, "index").exit_code == 0
    current = (settings.index_dir / "CURRENT").read_text()
    for n in range(40):  # new content, so the rebuild has to extract again
        (corpus / f"page-{n:02d}.html").write_bytes(html_page(f"Page {n}", f"Nouveau texte {n} sur la mobilité solidaire."))
    faults = Faults(tmp_path)
    # Killed when half the new documents are written to the new generation.
    process = docsearch_process(settings, "index", "--rebuild", env=faults.env("update-document:20:kill"))
    assert process.wait(timeout=120) == -signal.SIGKILL
    assert [point for point, _, _ in faults.reached()] == ["update-document"]
    assert list(settings.index_dir.glob("*.build"))  # the half-built generation it left
    assert (settings.index_dir / "CURRENT").read_text() == current
    assert json.loads(run(settings, "search", "habitat", "--json").output)["total"] == 40
    assert json.loads(run(settings, "search", "mobilité", "--json").output)["total"] == 0
    result = run(settings, "index")
    assert result.exit_code == 0, result.output
    assert "stopped before it finished" in result.output
    assert json.loads(run(settings, "search", "mobilité", "--json").output)["total"] == 40
    assert not list(settings.index_dir.glob("*.build"))


def test_search_accepts_exclusions_that_look_like_options(indexed) -> None:
    result = run(indexed, "search", "festival", "-compostage", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] == 1


def test_add_refuses_a_file_already_lying_unindexed_in_the_corpus(indexed) -> None:
    copy_sample(indexed.corpus_dir, "owner-only.pdf", "recu/owner-only.pdf")  # not indexed yet
    result = run(indexed, "add", str(DATA / "owner-only.pdf"))
    assert result.exit_code == 2 and "recu/owner-only.pdf" in result.output


def test_add_refuses_hidden_folders(indexed) -> None:
    result = run(indexed, "add", str(DATA / "owner-only.pdf"), "--to", ".corbeille")
    assert result.exit_code == 2 and "dossiers cachés" in result.output


def test_removing_twice_the_same_path_keeps_both_versions_in_the_trash(indexed) -> None:
    page = indexed.corpus_dir / "culture" / "festival.html"
    first = page.read_bytes()
    assert run(indexed, "remove", "culture/festival.html", "culture/festival.html").exit_code == 0
    page.write_bytes(html_page("Festival bis", "Une autre édition du festival."))
    assert run(indexed, "index").exit_code == 0
    assert run(indexed, "remove", "culture/festival.html").exit_code == 0
    trashed = sorted(p.read_bytes() for p in (indexed.corpus_dir / ".corbeille").rglob("festival.html"))
    assert len(trashed) == 2 and first in trashed


def test_add_url_refuses_local_addresses_by_default(indexed) -> None:
    for url in ("http://127.0.0.1:9/x.html", "http://localhost/", "http://169.254.169.254/latest/", "http://[::1]/"):
        result = run(indexed, "add", url)
        assert result.exit_code == 2 and "locale ou privée" in result.output, url
