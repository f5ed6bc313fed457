"""Nothing lost, nothing stuck (issue 12, the corpus and index side).

Each test reproduces one case of the issue with real files, real processes
and, where a limit of the machine is the point (a full disk, a folder the
process may not list), the real limit: a small tmpfs, a process without the
capabilities that let root read everything.
"""

from __future__ import annotations

import gzip
import html
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from docsearch.config import Settings
from docsearch.extraction import EXTRACTOR_VERSION
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchService
from docsearch.web.app import create_app
from tests.conftest import copy_sample, html_page
from tests.faults import Faults
from tests.test_cli import docsearch_process, free_port, wait_for

# What a process must run under to meet the permissions root ignores: the
# capabilities that let root read and list anything are dropped.
UNPRIVILEGED = (["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
                if os.geteuid() == 0 and shutil.which("setpriv") else [])


def cli_command(settings: Settings, *args: str) -> list[str]:
    return [sys.executable, "-c", "from docsearch.cli import main; main()", "--corpus", str(settings.corpus_dir),
            "--index", str(settings.index_dir), "--instance", str(settings.instance_dir), *args]


def cli(settings: Settings, *args: str, prefix: list[str] | None = None, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own (a hang fails the test instead of stopping it)."""
    return subprocess.run([*(prefix or []), *cli_command(settings, *args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr, result.stderr


def total(settings: Settings, q: str) -> int:
    return SearchService(settings).search(SearchRequest(q=q)).total


def three_pages(corpus: Path) -> None:
    for n in range(3):
        (corpus / f"p{n}.html").write_bytes(html_page(f"Page {n}", f"Texte {n} sur l'habitat coopératif."))


# 1. A damaged live generation ------------------------------------------------------


def live_generation(settings: Settings) -> Path:
    return settings.index_dir / (settings.index_dir / "CURRENT").read_text()


def _truncate_segment(settings: Settings) -> None:
    for segment in live_generation(settings).glob("*.seg"):
        os.truncate(segment, 100)


def _zero_segment(settings: Settings) -> None:
    for segment in live_generation(settings).glob("*.seg"):
        segment.write_bytes(bytes(segment.stat().st_size))


def _remove_toc(settings: Settings) -> None:
    for toc in live_generation(settings).glob("*.toc"):
        toc.unlink()


def _garble_current(settings: Settings) -> None:
    (settings.index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00gen")


DAMAGES = {"truncated-segment": _truncate_segment, "zeroed-segment": _zero_segment, "missing-toc": _remove_toc,
           "non-utf8-current": _garble_current}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_live_index_is_said_and_rebuilt_from_the_corpus(settings, corpus, damage: str) -> None:
    three_pages(corpus)
    update_index(settings)
    DAMAGES[damage](settings)
    stats = cli(settings, "stats")
    no_traceback(stats)
    assert stats.returncode == 2 and "docsearch: the index" in stats.stderr and "damaged" in stats.stderr
    rebuild = cli(settings, "index", "--rebuild")
    no_traceback(rebuild)
    assert rebuild.returncode == 0, rebuild.stderr
    assert "indexed 3" in rebuild.stdout and total(settings, "habitat") == 3

    DAMAGES[damage](settings)
    (corpus / "p3.html").write_bytes(html_page("Page 3", "Un habitat de plus."))
    plain = cli(settings, "index")
    no_traceback(plain)
    assert plain.returncode == 0, plain.stderr
    assert "could not be opened" in plain.stdout and "rebuilt from the corpus" in plain.stdout
    assert total(settings, "habitat") == 4
    assert cli(settings, "stats").returncode == 0


DAMAGED_PAGE = "L'index est en cours de reconstruction ou endommagé"


@pytest.mark.parametrize("damage", ["zeroed-segment", "missing-toc", "non-utf8-current"])
def test_the_web_answers_503_while_no_generation_opens_and_recovers_alone(settings, corpus, damage: str) -> None:
    three_pages(corpus)
    update_index(settings)
    DAMAGES[damage](settings)
    client = TestClient(create_app(settings))  # no lifespan: the server's catch-up would rebuild at once
    for path in ("/", "/search?q=habitat"):
        page = client.get(path)
        assert page.status_code == 503 and DAMAGED_PAGE in html.unescape(page.text), (path, page.status_code)
    answer = client.get("/search.json", params={"q": "habitat"})
    assert answer.status_code == 503 and DAMAGED_PAGE in answer.json()["error"]
    update_index(settings, rebuild=True)
    assert client.get("/search.json", params={"q": "habitat"}).json()["total"] == 3


def test_the_server_rebuilds_a_damaged_index_when_it_starts(settings, corpus) -> None:
    three_pages(corpus)
    update_index(settings)
    _zero_segment(settings)
    with TestClient(create_app(settings)) as client:  # its catch-up run finds the damage and rebuilds
        deadline = time.monotonic() + 60
        while client.get("/search.json", params={"q": "habitat"}).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get("/search.json", params={"q": "habitat"}).json()["total"] == 3


# 4, 11, 9. Only regular files inside the corpus; unreadable folders keep their documents -------


def test_fifos_devices_and_links_out_of_the_corpus_are_reported_never_read(settings, corpus, tmp_path) -> None:
    three_pages(corpus)
    os.mkfifo(corpus / "x.pdf")
    (corpus / "zero.pdf").symlink_to("/dev/zero")
    outside = tmp_path / "secret.html"
    outside.write_bytes(html_page("Secret", "Le mot confidentielissime est hors du fonds."))
    (corpus / "lien.html").symlink_to(outside)
    (corpus / "interne.html").symlink_to(corpus / "p0.html")  # a link that stays inside is a document
    result = cli(settings, "index", timeout=60)  # used to hang on the FIFO, holding the write lock
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "indexed 4" in result.stdout
    failures = {f.relpath: f for f in SearchService(settings).backend.stats().failures}
    assert set(failures) == {"x.pdf", "zero.pdf", "lien.html"}
    assert failures["x.pdf"].reason == "not-a-file" and "n'est pas un fichier ordinaire" in failures["x.pdf"].detail
    assert failures["zero.pdf"].reason == "outside-corpus"
    assert failures["lien.html"].reason == "outside-corpus" and "hors du fonds" in failures["lien.html"].detail
    assert total(settings, "confidentielissime") == 0
    again = cli(settings, "index", "--rebuild", timeout=60)
    assert again.returncode == 0 and total(settings, "confidentielissime") == 0


@pytest.mark.skipif(os.geteuid() == 0 and not UNPRIVILEGED, reason="root reads every folder and setpriv is missing")
def test_an_unreadable_folder_is_a_failure_that_keeps_its_documents(settings, corpus) -> None:
    (corpus / "habitat").mkdir()
    (corpus / "habitat" / "h.html").write_bytes(html_page("Habitat", "Un habitat participatif à Lille."))
    (corpus / "a.html").write_bytes(html_page("Accueil", "Le centre de ressources."))
    update_index(settings)
    settings.index_dir.chmod(0o777)  # the index stays writable for the unprivileged run
    (corpus / "habitat").chmod(0)
    try:
        result = cli(settings, "index", prefix=UNPRIVILEGED)
        again = cli(settings, "index", "--rebuild", prefix=UNPRIVILEGED)
    finally:
        (corpus / "habitat").chmod(0o755)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "removed 0" in result.stdout and "habitat: unreadable-folder" in result.stdout
    assert again.returncode == 0 and "removed 0" in again.stdout, again.stdout
    assert total(settings, "participatif") == 1  # kept, not removed
    failures = {f.relpath: f for f in SearchService(settings).backend.stats().failures}
    assert failures["habitat"].reason == "unreadable-folder" and "dossier illisible" in failures["habitat"].detail
    cli(settings, "index")  # readable again: the failure goes, the document stays
    assert "habitat" not in {f.relpath for f in SearchService(settings).backend.stats().failures}
    assert total(settings, "participatif") == 1


# 5. A full disk --------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs holding the index: a real ENOSPC."""
    mount = tmp_path / "index"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(path: Path) -> None:
    """Write zeros to ``path`` until the disk is full."""
    with path.open("wb") as handle:
        try:
            while True:
                handle.write(bytes(64 * 1024))
                handle.flush()
        except OSError:
            pass
    # the last partial block may have gone in: the disk is full now


def test_a_rebuild_on_a_full_disk_fails_cleanly_and_the_next_run_works(settings, corpus, small_disk) -> None:
    three_pages(corpus)
    assert cli(settings, "index").returncode == 0
    for n in range(20):  # enough text to need more room than is left
        words = " ".join(f"mot{n}x{k}" for k in range(200))
        (corpus / f"gros-{n:02d}.html").write_bytes(html_page(f"Gros {n}", words))
    filler = small_disk / "filler.bin"
    fill(filler)
    os.truncate(filler, filler.stat().st_size - 96 * 1024)  # a little room: the build starts, then fails
    failed = cli(settings, "index", "--rebuild")
    no_traceback(failed)
    assert failed.returncode == 1 and "No space left on device" in failed.stderr
    assert not list(small_disk.glob("*.build"))  # the failed build deleted itself
    assert total(settings, "habitat") == 3  # the live generation still serves
    filler.unlink()
    assert cli(settings, "index", "--rebuild").returncode == 0
    assert total(settings, "mot7x12") == 1


def test_leftovers_of_a_build_are_removed_before_anything_is_written(settings, corpus, small_disk) -> None:
    three_pages(corpus)
    assert cli(settings, "index").returncode == 0
    leftover = small_disk / "gen-20260101-000000-abcd.build"  # what a build killed on a full disk leaves
    leftover.mkdir()
    fill(leftover / "_MAIN_1.toc")
    (small_disk / "write.lock").write_bytes(b"")  # the lock file must grow: the pid written into it
    (corpus / "p3.html").write_bytes(html_page("Page 3", "Encore un habitat."))
    result = cli(settings, "index")
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert not leftover.exists() and total(settings, "habitat") == 4


# 8. A sidecar nested 500 levels deep; the per-file boundary ----------------------------


def test_a_sidecar_nested_500_levels_fails_its_file_only(settings, corpus) -> None:
    three_pages(corpus)
    (corpus / "p1.html.meta.toml").write_text("titre = " + "[" * 500 + "]" * 500 + "\n")
    report = update_index(settings)
    assert sorted(report.indexed) == ["p0.html", "p2.html"]
    reason, detail = report.failed["p1.html"]
    assert reason == "error" and "RecursionError" in detail
    assert "p1.html" in {f.relpath for f in SearchService(settings).backend.stats().failures}
    report = update_index(settings, rebuild=True)
    assert "p1.html" in report.failed and report.documents == 2


# 10. Caps per document ---------------------------------------------------------------


def repeated_page_pdf(times: int) -> bytes:
    """A PDF whose page tree lists one page ``times`` times (1.2 MB at 200,000)."""
    kids = b" ".join([b"3 0 R"] * times)
    stream = b"BT /F1 12 Tf 72 720 Td (Rapport sur la mutualisation repetee) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(times).encode() + b" >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_a_pdf_listing_one_page_thousands_of_times_is_capped(settings, corpus) -> None:
    (corpus / "repete.pdf").write_bytes(repeated_page_pdf(3000))
    capped = Settings(**{**settings.__dict__, "max_pages": 200})
    report = update_index(capped)
    assert report.indexed == ["repete.pdf"] and report.pages == 200
    assert any("200 premières pages sur 3000" in w for w in report.warnings["repete.pdf"]), report.warnings
    hit = SearchService(capped).search(SearchRequest(q="mutualisation")).hits[0]
    assert hit.pages[-1] == 200
    assert any("tronqué" in w for w in SearchService(capped).document(hit.id).warnings)


def test_the_pdf_reader_stops_reading_at_the_page_cap_and_keeps_the_true_count() -> None:
    from docsearch.extraction.pdf import READ_PAGES, extract_pdf

    extracted = extract_pdf(repeated_page_pdf(READ_PAGES + 500))
    assert len(extracted.pages) == READ_PAGES + 500  # the cap's warning names the real count
    assert "mutualisation" in extracted.pages[READ_PAGES - 1] and extracted.pages[READ_PAGES] == ""


def test_a_page_with_too_many_distinct_words_is_capped(settings, corpus) -> None:
    words = [f"mot{n:06d}" for n in range(150_000)]  # 1.5 MB, every word a new one
    (corpus / "mots.html").write_bytes(html_page("Mots", "premierdebut " + " ".join(words) + " derniermot"))
    capped = Settings(**{**settings.__dict__, "max_distinct_words": 5000})
    report = update_index(capped)  # about 7 s capped, 60 s uncapped (the figures in extraction/caps.py)
    assert report.indexed == ["mots.html"]
    assert any("5000 premiers mots distincts" in w for w in report.warnings["mots.html"]), report.warnings
    assert total(capped, "premierdebut") == 1 and total(capped, "derniermot") == 0


def test_the_text_of_a_page_and_of_a_document_is_capped(settings, corpus) -> None:
    (corpus / "long.html").write_bytes(html_page("Long", "debutlong " + "texte " * 50_000 + " finlong"))
    capped = Settings(**{**settings.__dict__, "max_page_chars": 100_000})
    report = update_index(capped)
    assert any("100000 premiers caractères" in w for w in report.warnings["long.html"]), report.warnings
    assert total(capped, "debutlong") == 1 and total(capped, "finlong") == 0


# 14. Files of the wrong shape; a file the server cannot read -----------------------------


@pytest.mark.parametrize("content", ["[1, 2]", '{"p0.html": "illisible"}', '{"p0.html": {"detail": 3}}'])
def test_a_failures_file_of_the_wrong_shape_is_ignored(settings, corpus, content: str) -> None:
    three_pages(corpus)
    update_index(settings)
    (live_generation(settings) / "failures.json").write_text(content)
    for args in (("stats",), ("index",), ("index", "--rebuild")):
        result = cli(settings, *args)
        no_traceback(result)
        assert result.returncode == 0, (args, result.stderr)
    assert total(settings, "habitat") == 3


@pytest.mark.parametrize("content", ['{"format": "html", "pages": 5}', "[]", '{"error": 1}', '"texte"'])
def test_a_cache_entry_of_the_wrong_shape_is_extracted_again(settings, corpus, content: str) -> None:
    three_pages(corpus)
    update_index(settings)
    for entry in settings.cache_dir.rglob(f"*.v{EXTRACTOR_VERSION}.json.gz"):
        entry.write_bytes(gzip.compress(content.encode()))
    for args in (("stats",), ("index", "--rebuild"), ("index",)):
        result = cli(settings, *args)
        no_traceback(result)
        assert result.returncode == 0, (args, result.stderr)
    assert total(settings, "habitat") == 3


@pytest.mark.skipif(os.geteuid() == 0 and not UNPRIVILEGED, reason="root reads every file and setpriv is missing")
def test_a_file_the_server_cannot_read_gets_a_clean_error_page(settings, corpus) -> None:
    copy_sample(corpus, "good-report.pdf")
    update_index(settings)
    doc_id = SearchService(settings).search(SearchRequest(q="compostage")).hits[0].id
    port = free_port()
    server = subprocess.Popen([*UNPRIVILEGED, *cli_command(settings, "serve", "--port", str(port))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/index.json")
        (corpus / "good-report.pdf").chmod(0)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/documents/{doc_id}/file", timeout=10)
        assert refused.value.code == 503
        body = refused.value.read().decode()
        assert "ne peut pas être lu" in body and "</html>" in body  # a whole page, not headers then a cut
    finally:
        (corpus / "good-report.pdf").chmod(0o644)
        server.terminate()
        server.wait(timeout=10)


# 3. The indexing queue: each change on its own, a path gone is "forget" --------------------


def test_changes_queued_during_a_cli_rebuild_are_each_indexed(settings, corpus, tmp_path) -> None:
    from docsearch.catalogue.records import document_id
    from docsearch.staff.accounts import Accounts
    from tests.test_staff import PASSWORD, csrf_of, publish, sign_in, upload

    for name in ("b", "c"):
        (corpus / f"{name}.html").write_bytes(html_page(f"Document {name.upper()}", f"Le document {name} du centre."))
    for n in range(20):
        (corpus / f"lot-{n:02d}.html").write_bytes(html_page(f"Lot {n}", f"Texte de lot {n}."))
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    client = TestClient(create_app(settings))
    assert sign_in(client, "marie", PASSWORD).status_code == 303
    ids = {f"Document {name.upper()}": document_id(f"{name}.html") for name in ("b", "c")}

    def edit(doc_id: str, title: str) -> None:
        url = f"/gestion/documents/{doc_id}/modifier"
        values = {"titre": title, "secteurs": ["culture"], "annee": "2019", "type": "page-web", "resume": ""}
        assert client.post(url, data={"csrf": csrf_of(client, url), **values}, follow_redirects=False).status_code in (200, 202, 303)

    faults = Faults(tmp_path)
    # --fresh: a rebuild that writes every record (an unchanged index would be taken over at once).
    rebuild = docsearch_process(settings, "index", "--rebuild", "--fresh", env=faults.env("update-document:10:pause"))
    try:
        faults.wait("update-document", rebuild)  # the rebuild holds the write lock
        edit(ids["Document C"], "Document C corrigé")
        draft = upload(client, "a.html", html_page("Document A", "Le document a du centre, publié pendant la reconstruction."))
        assert publish(client, draft.headers["location"], type="page-web", titre="Document A").status_code in (200, 202, 303)
        edit(ids["Document B"], "Document B corrigé")
        withdraw = f"/gestion/documents/{ids['Document B']}/retirer"
        client.post(withdraw, data={"csrf": csrf_of(client, withdraw)})
        assert rebuild.poll() is None
    finally:
        faults.release()
        if rebuild.wait(timeout=120) is None:
            rebuild.kill()
    assert rebuild.returncode == 0

    def titles() -> set[str]:
        return {hit["title"] for hit in client.get("/search.json", params={"q": "centre"}).json()["hits"]}

    deadline = time.monotonic() + 60
    while "Document A" not in titles() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert titles() == {"Document A", "Document C corrigé"}
    assert client.get(f"/documents/{ids['Document B']}").status_code == 404


def test_a_queued_path_that_is_gone_is_forgotten_not_a_failure(settings, corpus) -> None:
    three_pages(corpus)
    update_index(settings)
    (corpus / "p1.html").unlink()
    report = update_index(settings, only=["p1.html", "p2.html"])
    assert report.removed == ["p1.html"] and not report.failed
    assert total(settings, "habitat") == 2
