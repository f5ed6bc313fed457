"""How long staff wait between publishing an upload and visitors finding it.

    .venv/bin/python bench/publish.py [--runs 10] [--work /tmp/docsearch-publish]

A staff member signs in to the web interface (in process, Starlette's test
client), uploads a copy of the three-page sample report, confirms its
metadata, and the bench searches for one of its words until it is found.
Prints the seconds from the confirmation to the first hit, per run, then
the median and the slowest. The publication answers once the document is
indexed, so the first search should find it; the figure is a wall-clock
time (the staff test once asserted it under 2 s, which a busy machine can
miss): compare medians of a few runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.web.app import create_app

PROJECT = Path(__file__).resolve().parent.parent
REPORT = PROJECT / "tests" / "data" / "good-report.pdf"
PASSWORD = "un-mot-de-passe-solide"


def csrf_of(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match, f"no form on {path}"
    return match.group(1)


def publish_once(client: TestClient, n: int) -> float:
    """Seconds from confirming the n-th upload to its first hit."""
    data = REPORT.read_bytes() + f"\n% copie {n}\n".encode()  # new content each run
    upload = client.post("/gestion/ajouter", data={"csrf": csrf_of(client, "/gestion/ajouter")},
                         files=[("fichiers", (f"rapport-{n}.pdf", data, "application/pdf"))], follow_redirects=False)
    assert upload.status_code == 303, upload.text[:300]
    draft = upload.headers["location"]
    values = {"csrf": csrf_of(client, draft), "titre": f"Rapport {n}", "type": "rapport-activite", "annee": "2011",
              "secteurs": ["environnement"], "resume": ""}
    started = time.perf_counter()
    published = client.post(draft, data=values, follow_redirects=False)
    assert published.status_code in (200, 202, 303), published.status_code
    while not any(h["title"] == f"Rapport {n}" for h in
                  client.get("/search.json", params={"q": "compostage", "par_page": 100}).json()["hits"]):
        time.sleep(0.01)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", type=Path, help="folder for the corpus and index (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="docsearch-publish-"))
    shutil.rmtree(work / "corpus", ignore_errors=True)
    shutil.rmtree(work / "index", ignore_errors=True)
    (work / "corpus").mkdir(parents=True)
    (work / "corpus" / "accueil.html").write_text(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Accueil</title></head>'
        "<body><main><h1>Accueil</h1><p>Le centre de ressources.</p></main></body></html>", encoding="utf-8")
    settings = Settings(corpus_dir=work / "corpus", index_dir=work / "index", instance_dir=work / "instance")
    update_index(settings)
    shutil.rmtree(work / "instance", ignore_errors=True)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    with TestClient(create_app(settings)) as client:
        signed = client.post("/gestion/connexion", data={"nom": "marie", "mot_de_passe": PASSWORD,
                                                         "csrf": csrf_of(client, "/gestion/connexion")},
                             follow_redirects=False)
        assert signed.status_code == 303, signed.status_code
        times = []
        for n in range(args.runs):
            times.append(publish_once(client, n))
            print(f"run {n + 1}: {times[-1]:.3f} s from confirmation to first hit")
    print(f"median {statistics.median(times):.3f} s, slowest {max(times):.3f} s over {len(times)} runs ({work})")


if __name__ == "__main__":
    main()
