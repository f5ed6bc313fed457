"""The catalogue as CSV, out and back in: the CLI and the staff pages, round trip, dry run, Latin-1, mistakes."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from docsearch.cli import cli
from docsearch.config import Settings
from docsearch.corpus.write import write_sidecar
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.web.app import create_app
from tests.conftest import html_page
from tests.test_staff import PASSWORD, csrf_of, sign_in

PAGES = {
    "habitat/2019/cooperative.html": ("Coopératives d'habitants", "Les coopératives d'habitants en Normandie."),
    "a-trier/compost.html": ("Compostage partagé", "Le compostage de quartier et l'économie circulaire."),
    "a-trier/formule.html": ("=HYPERLINK(\"http://example.org\")", "Un titre qui ressemble à une formule."),
}


@pytest.fixture
def catalogue(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    for relpath, (title, body) in PAGES.items():
        path = corpus / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html_page(title, body))
    # One record with staff values, two guessed from their pages and folders.
    write_sidecar(corpus / "habitat/2019/cooperative.html",
                  {"titre": "Coopératives d'habitants", "secteurs": ["habitat"], "annee": 2019, "organisation": "CRESS"})
    write_sidecar(corpus / "a-trier/formule.html", {"titre": PAGES["a-trier/formule.html"][0]})
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    return settings


def run(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
                                      "--instance", str(settings.instance_dir), *args])
    return result.exit_code, result.output


def corpus_state(settings: Settings) -> dict[str, tuple[bytes, float]]:
    return {p.relative_to(settings.corpus_dir).as_posix(): (p.read_bytes(), p.stat().st_mtime)
            for p in sorted(settings.corpus_dir.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def export(settings: Settings, tmp_path: Path) -> Path:
    target = tmp_path / "catalogue.csv"
    code, output = run(settings, "export", "--csv", str(target))
    assert code == 0, output
    return target


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))


def write_rows(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8-sig", delimiter: str = ";") -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def test_export_is_excel_shaped_with_one_row_per_document(catalogue: Settings, tmp_path: Path) -> None:
    path = export(catalogue, tmp_path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # BOM: Excel reads UTF-8
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header.split(";")[:6] == ["id", "chemin", "sha256", "titre", "secteurs", "annee"]
    rows = {r["chemin"]: r for r in rows_of(path)}
    assert set(rows) == set(PAGES)
    coop = rows["habitat/2019/cooperative.html"]
    assert coop["secteurs"] == "habitat" and coop["annee"] == "2019" and coop["organisation"] == "CRESS"
    sha = hashlib.sha256((catalogue.corpus_dir / "habitat/2019/cooperative.html").read_bytes()).hexdigest()
    assert coop["sha256"] == sha and coop["type"] and coop["date_ajout"].startswith("20")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", coop["date_modification"])
    # A title that a spreadsheet would run as a formula is written behind a quote.
    assert rows["a-trier/formule.html"]["titre"].startswith("'=HYPERLINK")


def test_an_export_imported_again_changes_nothing(catalogue: Settings, tmp_path: Path) -> None:
    path = export(catalogue, tmp_path)
    before = corpus_state(catalogue)
    code, output = run(catalogue, "import", "--csv", str(path), "--dry-run")
    assert code == 0 and "0 document à modifier, 3 inchangés, 0 ligne refusée" in output, output
    code, output = run(catalogue, "import", "--csv", str(path))
    assert code == 0 and "0 document modifié" in output, output
    assert corpus_state(catalogue) == before  # not one sidecar written, not even touched
    # The same through Excel's other habits: commas, no BOM.
    rows = rows_of(path)
    code, output = run(catalogue, "import", "--csv", str(write_rows(tmp_path / "virgules.csv", rows, "utf-8", ",")), "--dry-run")
    assert "0 document à modifier, 3 inchangés" in output and "Séparateur lu : « , »" in output, output


def test_dry_run_shows_each_change_then_import_writes_sidecars_and_the_index_follows(catalogue: Settings, tmp_path: Path) -> None:
    rows = rows_of(export(catalogue, tmp_path))
    by_path = {r["chemin"]: r for r in rows}
    by_path["a-trier/compost.html"].update(titre="Guide du compostage partagé", secteurs="environnement|Habitat",
                                           annee="2021")
    coop = by_path["habitat/2019/cooperative.html"]
    coop.update(chemin="", id="", territoire="Normandie")  # matched by its hash alone
    path = write_rows(tmp_path / "corrige.csv", rows)
    before = corpus_state(catalogue)
    code, output = run(catalogue, "import", "--csv", str(path), "--dry-run")
    assert code == 0, output
    assert "a-trier/compost.html : Titre : « Compostage partagé » → « Guide du compostage partagé »" in output
    assert "Secteurs :" in output and "« Non classé » → « Environnement et économie circulaire, Habitat et logement »" in output
    assert "a-trier/compost.html : Année : « — » → « 2021 »" in output
    assert "habitat/2019/cooperative.html : Territoire : « — » → « Normandie »" in output
    assert "2 documents à modifier, 1 inchangé" in output and "rien n'est écrit" in output
    assert corpus_state(catalogue) == before

    code, output = run(catalogue, "import", "--csv", str(path))
    assert code == 0 and "2 documents modifiés, 1 inchangé" in output, output
    sidecar = (catalogue.corpus_dir / "a-trier/compost.html.meta.toml").read_text()
    assert 'titre = "Guide du compostage partagé"' in sidecar and "annee = 2021" in sidecar
    coop_sidecar = (catalogue.corpus_dir / "habitat/2019/cooperative.html.meta.toml").read_text()
    assert 'organisation = "CRESS"' in coop_sidecar and 'territoire = "Normandie"' in coop_sidecar  # the others kept
    code, output = run(catalogue, "search", "compostage", "--json")
    assert '"title": "Guide du compostage partagé"' in output and '"year": 2021' in output
    # And the new state exported, imported again, changes nothing.
    code, output = run(catalogue, "import", "--csv", str(export(catalogue, tmp_path)), "--dry-run")
    assert "0 document à modifier, 3 inchangés" in output, output


def test_unknown_vocabulary_values_are_reported_never_dropped(catalogue: Settings, tmp_path: Path) -> None:
    rows = rows_of(export(catalogue, tmp_path))
    rows[0].update(secteurs="habitat|Astronautique", titre="Nouveau titre")
    rows[1].update(type="Parchemin")
    rows[2].update(annee="vers 2010")
    code, output = run(catalogue, "import", "--csv", str(write_rows(tmp_path / "inconnus.csv", rows)))
    assert code == 1
    assert "secteur inconnu « Astronautique »" in output and "type de document inconnu « Parchemin »" in output
    assert "année invalide « vers 2010 »" in output and "0 document modifié" in output
    assert not (catalogue.corpus_dir / "a-trier/compost.html.meta.toml").exists()  # a refused row: nothing of it


def test_latin1_from_excel_is_read_and_said(catalogue: Settings, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("chemin;titre;resume\r\na-trier/compost.html;Économie du compost;Résumé écrit à Évreux\r\n"
                     .encode("cp1252"))
    code, output = run(catalogue, "import", "--csv", str(path), "--dry-run")
    assert code == 0, output
    assert "lu en Windows-1252 (Latin-1" in output
    assert "« Économie du compost »" in output and "« Résumé écrit à Évreux »" in output


@pytest.mark.parametrize(("content", "message"), [
    (b"chemin;titre\r\na-trier/compost.html;\"Titre jamais ferm\xc3\xa9\r\n", "CSV mal formé"),
    (b"chemin;titre;couleur;poids\r\na-trier/compost.html;T;rouge;3\r\n", "Colonnes inconnues : « couleur », « poids »"),
    (b"titre;annee\r\nUn titre;2010\r\n", "Il faut une colonne « chemin », « sha256 » ou « id »"),
    (b"PK\x03\x04\x00\x00binaire", "Ce fichier n'est pas un CSV"),
    (b"", "Le fichier CSV est vide"),
    (b"chemin;titre;titre\r\nx;y;z\r\n", "apparaît deux fois"),
])
def test_malformed_files_get_a_french_message(catalogue: Settings, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "mauvais.csv"
    path.write_bytes(content)
    code, output = run(catalogue, "import", "--csv", str(path), "--dry-run")
    assert code == 2 and message in output and "Traceback" not in output, output


def test_rows_that_match_nothing_or_several_documents(catalogue: Settings, tmp_path: Path) -> None:
    rows = rows_of(export(catalogue, tmp_path))
    other = rows[1]["sha256"]
    rows[0].update(sha256=other)
    rows[2].update(chemin="nulle/part.html", id="", sha256="")
    code, output = run(catalogue, "import", "--csv", str(write_rows(tmp_path / "x.csv", rows)), "--dry-run")
    assert code == 0 and "désignent des documents différents" in output
    assert "aucun document du fonds ne correspond (chemin « nulle/part.html »)" in output


# The staff pages -----------------------------------------------------------


@pytest.fixture
def staff(catalogue: Settings) -> TestClient:
    Accounts(catalogue.instance_dir).add("marie", PASSWORD)
    client = TestClient(create_app(catalogue))
    assert sign_in(client).status_code == 303
    return client


def test_staff_export_preview_and_apply(staff: TestClient, catalogue: Settings) -> None:
    assert TestClient(create_app(catalogue)).get("/gestion/export.csv", follow_redirects=False).status_code == 303
    exported = staff.get("/gestion/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"] and exported.content.startswith(b"\xef\xbb\xbf")
    token = csrf_of(staff, "/gestion/import")
    same = staff.post("/gestion/import", data={"csrf": token}, files={"fichier": ("catalogue.csv", exported.content)})
    assert same.status_code == 200 and "0 document à modifier, 3 inchangés" in same.text
    assert "Appliquer" not in same.text  # nothing to apply

    changed = exported.content.decode("utf-8-sig").replace("Compostage partagé", "Compostage <b>partagé</b> en ville")
    before = corpus_state(catalogue)
    preview = staff.post("/gestion/import", data={"csrf": token}, files={"fichier": ("c.csv", changed.encode("utf-8-sig"))})
    assert preview.status_code == 200 and "1 document à modifier" in preview.text
    assert "Compostage &lt;b&gt;partagé&lt;/b&gt; en ville" in preview.text  # escaped
    assert corpus_state(catalogue) == before  # a preview writes nothing into the corpus
    jeton = re.search(r'name="jeton" value="([^"]+)"', preview.text).group(1)
    assert staff.post("/gestion/import/appliquer", data={"jeton": jeton}).status_code == 403  # no CSRF token
    applied = staff.post("/gestion/import/appliquer", data={"csrf": token, "jeton": jeton})
    assert applied.status_code == 200 and "1 document modifié" in applied.text
    hits = staff.get("/search.json", params={"q": "compostage"}).json()["hits"]
    assert hits[0]["title"] == "Compostage <b>partagé</b> en ville"
    journal = staff.get("/gestion/journal", params={"document": "a-trier/compost.html"}).text
    assert "Import d&#39;un fichier CSV" in journal and "Compostage &lt;b&gt;partagé&lt;/b&gt; en ville" in journal
    again = staff.post("/gestion/import/appliquer", data={"csrf": token, "jeton": jeton})
    assert again.status_code == 400 and "plus disponible" in again.text
    for bad in ("../../etc/passwd", "x" * 40):
        assert staff.post("/gestion/import/appliquer", data={"csrf": token, "jeton": bad}).status_code == 400


def test_staff_import_mistakes_and_size_limit(staff: TestClient, catalogue: Settings, tmp_path: Path) -> None:
    token = csrf_of(staff, "/gestion/import")
    bad = staff.post("/gestion/import", data={"csrf": token}, files={"fichier": ("x.csv", b"chemin;couleur\r\na;b\r\n")})
    assert bad.status_code == 400 and "Colonne inconnue : « couleur »" in bad.text
    empty = staff.post("/gestion/import", data={"csrf": token})
    assert empty.status_code == 400 and "Choisissez un fichier CSV" in empty.text
    from dataclasses import replace

    small = TestClient(create_app(replace(catalogue, max_import_mb=1)))
    assert sign_in(small).status_code == 303
    token = csrf_of(small, "/gestion/import")
    big = b"chemin;titre\r\n" + b"a-trier/compost.html;" + b"x" * (1024 * 1024 + 10) + b"\r\n"
    refused = small.post("/gestion/import", data={"csrf": token}, files={"fichier": ("gros.csv", big)})
    assert refused.status_code == 400 and "Fichier CSV trop gros : plus de 1 Mo" in refused.text


def test_real_documents_round_trip(tmp_path: Path) -> None:
    """Titles and summaries guessed from real French files (quotes, semicolons, line breaks,
    accents) survive an export and an import unchanged."""
    import shutil

    from tests.conftest import REALWORLD

    source = REALWORLD / "fr"
    if not source.is_dir():
        pytest.skip("../shared/realworld is absent")
    corpus = tmp_path / "corpus"
    for kind, count in (("pdf", 6), ("html", 12)):  # enough shapes, in about 12 s
        (corpus / kind).mkdir(parents=True)
        for path in sorted((source / kind).iterdir())[:count]:
            shutil.copyfile(path, corpus / kind / path.name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=2)
    update_index(settings)
    path = export(settings, tmp_path)
    rows = rows_of(path)
    assert len(rows) >= 16 and all(r["titre"] for r in rows)
    before = corpus_state(settings)
    code, output = run(settings, "import", "--csv", str(path))
    assert code == 0 and f"0 document modifié, {len(rows)} inchangés, 0 ligne refusée" in output, output
    assert corpus_state(settings) == before
