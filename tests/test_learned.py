"""Learning from staff: the classifier of confirmed records, its model file, its place among the origins, the badges."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from docsearch.catalogue import learned
from docsearch.catalogue.learned import Example, LearnedModel, learned_path, load_model, train, words
from docsearch.catalogue.metadata import resolve_metadata
from docsearch.catalogue.staff import StaffMetadata
from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.extraction import Extracted
from docsearch.index.store import IndexStore
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.staff.drafts import create_draft
from docsearch.web.app import create_app
from tests.conftest import html_page
from tests.test_staff import PASSWORD, csrf_of, sign_in

# Three sectors, each with words of its own that the vocabulary's keywords do
# not list: only a classifier of the confirmed records can tell them apart.
TOPICS = {
    "culture": ["comédiens", "répétitions", "tournée", "scène", "costumes", "dramaturgie", "public scolaire"],
    "environnement": ["composteurs", "broyage", "gisement", "collecte", "valorisation", "bennes", "déchetterie"],
    "habitat": ["colocation", "bail", "locataires", "copropriété", "charges locatives", "quittance", "emménagement"],
}
FILLER = "L'association réunit ses adhérents chaque mois et publie ses comptes."


def page_of(sector: str, n: int) -> str:
    words_of = TOPICS[sector]
    picked = [words_of[(n + k) % len(words_of)] for k in range(5)]
    return f"{FILLER} Cette année : {', '.join(picked)}. Les {picked[0]} et les {picked[1]} ont occupé l'équipe."


def examples(count: int) -> list[Example]:
    sectors = sorted(TOPICS)
    return [Example(f"doc{n}", f"Note {n}", page_of(sectors[n % 3], n), (sectors[n % 3],), "brochure" if n % 2 else "etude")
            for n in range(count)]


# --- the classifier ---------------------------------------------------------------------------

def sample_examples(sample_settings: Settings) -> list[tuple[Example, str]]:
    """The sample corpus's documents filed by staff (sidecar, embedded keywords, folder), from its index: (example, relpath)."""
    found = []
    ix = IndexStore(sample_settings.index_dir).open()
    with ix.searcher() as searcher:
        for fields in searcher.documents(kind="doc"):
            info = fields["info"]
            if info["origins"].get("sectors") not in ("staff", "embedded", "path"):
                continue
            pages = sorted(searcher.documents(doc_id=fields["doc_id"], kind="page"), key=lambda p: p["page"])
            text = "\n".join(p["page_text"] for p in pages)
            sectors = tuple(s for s in info["sectors"] if s != "non-classe")
            found.append((Example(fields["doc_id"], fields["title"], text, sectors, fields["doctype"]), fields["relpath"]))
    return sorted(found, key=lambda item: item[1])


def test_trained_on_part_of_the_sample_corpus_it_finds_held_out_sectors(sample_settings) -> None:
    labelled = sample_examples(sample_settings)
    held = labelled[::5]
    training = [e for n, (e, _) in enumerate(labelled) if n % 5]
    model = train(training)
    assert model is not None and len(training) >= learned.MIN_RECORDS
    sure_or_not = replace(model, sector_threshold=0.0)  # the most probable sector, however sure
    right = 0
    for example, _ in held:
        guess = sure_or_not.predict_sectors(example.title, example.text)
        right += bool(guess) and guess.codes[0] in example.sectors
    sectors = {s for e, _ in labelled for s in e.sectors}
    assert right / len(held) > 3 / len(sectors)  # three times chance at least (measured: {right} of {len(held)})


def test_probabilities_are_those_scikit_learn_computes() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    data = examples(40)
    model = train(data)
    assert model is not None and model.doctype is not None
    tokens = [words(e.title, e.text) for e in data]
    vectorizer = TfidfVectorizer(analyzer=lambda t: t, sublinear_tf=True, max_features=learned.MAX_TERMS)
    matrix = vectorizer.fit_transform(tokens)
    reference = LogisticRegression(C=learned.REGULARISATION_C, max_iter=1000).fit(matrix, [e.doctype for e in data])
    unseen = words("Note", page_of("habitat", 3) + " " + page_of("culture", 1))
    expected = dict(zip(reference.classes_, reference.predict_proba(vectorizer.transform([unseen]))[0]))
    found = model.doctype.probabilities(unseen)
    assert found == pytest.approx(expected, abs=1e-4)


def test_too_few_confirmed_records_train_nothing() -> None:
    assert train(examples(learned.MIN_RECORDS - 1)) is None
    assert train(examples(learned.MIN_RECORDS)) is not None


def test_a_learned_guess_never_goes_over_staff_and_says_how_sure_it_is() -> None:
    vocab = load_vocabulary(Settings().vocabulary_file)
    model = train(examples(36))
    assert model is not None
    extracted = Extracted("pdf", [page_of("habitat", 4) + " " + FILLER * 3] * 6)
    guessed = resolve_metadata("a-trier/document.pdf", extracted, StaffMetadata(), vocab, learned=model)
    assert guessed.sectors == ["habitat"] and guessed.origins["sectors"] == "learned"
    assert 0.5 <= guessed.confidence["sectors"] <= 1 and "sectors" in guessed.to_check()
    said = resolve_metadata("a-trier/document.pdf", extracted, StaffMetadata(sectors=("culture",), doctype="etude"), vocab,
                            learned=model)
    assert said.sectors == ["culture"] and said.origins["sectors"] == "staff" and said.doctype == "etude"
    assert said.confidence == {}
    filed = resolve_metadata("environnement/2020/document.pdf", extracted, StaffMetadata(), vocab, learned=model)
    assert filed.sectors == ["environnement"] and filed.origins["sectors"] == "path"  # the folder is staff's filing


def test_a_corrupt_or_foreign_model_file_means_no_learned_guesses(tmp_path: Path) -> None:
    path = learned_path(tmp_path)
    model = train(examples(36))
    learned.save_model(path, model)
    assert isinstance(load_model(path), LearnedModel)
    for garbage in (b"", b"{not json", b'{"version": 1}', b'{"version": 99, "signature": "x"}', b"\xff\xfe",
                    path.read_bytes()[: len(path.read_bytes()) // 2],
                    b'{"version":1,"signature":"s","records":3,"sectors":{"classes":["a"],"idf":{},"intercept":[1,2],'
                    b'"weights":{},"multinomial":false},"doctype":null}'):
        path.write_bytes(garbage)
        assert load_model(path) is None
    path.unlink()
    assert load_model(path) is None


# --- retrained by the index update, used by the next documents -----------------------------------

def confirmed_corpus(corpus: Path, count: int) -> None:
    sectors = sorted(TOPICS)
    for n in range(count):
        sector = sectors[n % 3]
        page = corpus / "notes" / f"note-{n}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(html_page(f"Note {n}", page_of(sector, n)))
        page.with_name(page.name + ".meta.toml").write_text(
            f'titre = "Note {n}"\nsecteurs = ["{sector}"]\ntype = "{"brochure" if n % 2 else "etude"}"\n', encoding="utf-8")


def test_the_index_update_retrains_when_staff_records_change(settings: Settings) -> None:
    confirmed_corpus(settings.corpus_dir, learned.MIN_RECORDS + 3)
    path = learned_path(settings.instance_dir)
    update_index(settings)
    first = load_model(path)
    assert first is not None and first.records == learned.MIN_RECORDS + 3
    # A document nobody described is guessed with what staff taught.
    (settings.corpus_dir / "a-trier").mkdir()
    (settings.corpus_dir / "a-trier" / "inconnu.html").write_bytes(html_page("Lettre", page_of("habitat", 2)))
    report = update_index(settings)
    assert report.indexed == ["a-trier/inconnu.html"] and load_model(path).signature == first.signature  # nothing to learn
    doc = next(d for d in IndexStore(settings.index_dir).open().searcher().documents(kind="doc")
               if d["relpath"] == "a-trier/inconnu.html")
    assert doc["info"]["origins"]["sectors"] == "learned" and doc["sectors"] == "habitat"
    assert 0.5 <= doc["info"]["confidence"]["sectors"] <= 1
    # Staff change a record: the model learns again.
    sidecar = settings.corpus_dir / "notes" / "note-0.html.meta.toml"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace('"culture"', '"habitat"'), encoding="utf-8")
    update_index(settings, only=["notes/note-0.html"])
    assert load_model(path).signature != first.signature
    # A corrupt model file is no model: the run goes on without learned guesses, and writes a good one.
    path.write_bytes(b"\x00garbage")
    (settings.corpus_dir / "a-trier" / "autre.html").write_bytes(html_page("Lettre", page_of("habitat", 5)))
    report = update_index(settings, only=["a-trier/autre.html"])
    assert report.indexed == ["a-trier/autre.html"] and not report.failed
    draft = create_draft(settings, html_page("Courrier", page_of("culture", 3)), "courrier.html")
    assert draft.meta.origins["sectors"] != "learned"
    update_index(settings)  # a full run with no readable model trains one again
    assert load_model(path) is not None


# --- the badges of the staff form ---------------------------------------------------------------

@pytest.fixture
def taught(settings: Settings) -> TestClient:
    confirmed_corpus(settings.corpus_dir, learned.MIN_RECORDS + 3)
    update_index(settings)
    Accounts(settings.instance_dir).add("marie", PASSWORD)
    client = TestClient(create_app(settings))
    assert sign_in(client).status_code == 303
    return client


def badge(page: str, label: str) -> str:
    found = re.search(rf">{label} <span class=\"origin origin-(\w+)\">([^<]*)</span>", page)
    assert found, label
    return f"{found.group(1)}: {found.group(2)}"


def test_the_form_says_where_each_value_came_from_and_saisi_after_a_save(taught: TestClient) -> None:
    upload = taught.post("/gestion/ajouter", data={"csrf": csrf_of(taught, "/gestion/ajouter")}, follow_redirects=False,
                         files={"fichiers": ("courrier.html", html_page("Courrier aux locataires", page_of("habitat", 1)),
                                             "text/html")})
    assert upload.status_code == 303
    draft_url = upload.headers["location"]
    page = taught.get(draft_url).text
    assert re.fullmatch(r"guessed: déduit \(appris, confiance \d\d? %\)|guessed: déduit \(appris, confiance 100 %\)",
                        badge(page, "Secteurs"))
    assert badge(page, "Type de document") == "guessed: déduit (du format du fichier)"  # a web page
    assert badge(page, "Titre") == "found: trouvé"
    assert badge(page, "Résumé").startswith("guessed: déduit")
    assert badge(page, "Territoire") == "missing: manquant"
    assert 'id="s-habitat" name="secteurs" value="habitat" checked' in page
    published = taught.post(draft_url, follow_redirects=False, data={
        "csrf": csrf_of(taught, draft_url), "titre": "Courrier aux locataires", "secteurs": ["habitat"],
        "type": "page-web", "annee": "2021", "resume": "", "organisation": "", "territoire": ""})
    assert published.status_code == 303
    doc_id = published.headers["location"].rsplit("/", 1)[1]
    edit = taught.get(f"/gestion/documents/{doc_id}/modifier").text
    for label in ("Titre", "Secteurs", "Année", "Type de document"):
        assert badge(edit, label) == "typed: saisi"


def test_a_staff_correction_retrains_after_the_answer(taught: TestClient, settings: Settings) -> None:
    path = learned_path(settings.instance_dir)
    before = load_model(path).signature
    doc_id = next(d["doc_id"] for d in IndexStore(settings.index_dir).open().searcher().documents(kind="doc")
                  if d["relpath"] == "notes/note-0.html")
    form = f"/gestion/documents/{doc_id}/modifier"
    saved = taught.post(form, follow_redirects=False, data={
        "csrf": csrf_of(taught, form), "titre": "Note 0", "secteurs": ["habitat"], "type": "etude", "annee": "",
        "resume": "", "organisation": "", "territoire": ""})
    assert saved.status_code == 303  # answered once the change is searchable; the classifier learns after
    deadline = time.monotonic() + 60
    while load_model(path) is None or load_model(path).signature == before:
        assert time.monotonic() < deadline, "the model was not trained again"
        time.sleep(0.1)
    assert badge(taught.get(form).text, "Secteurs") == "typed: saisi"


def test_each_badge_is_a_word_and_says_how_a_value_was_deduced() -> None:
    from docsearch.web.metadata_form import found_labels

    badges = found_labels({"title": "staff", "sectors": "learned", "year": "embedded", "doctype": "path",
                           "summary": "text", "organisation": "a-new-kind-of-guess"}, {"sectors": 0.834})
    assert {field: b.text for field, b in badges.items()}.items() >= {  # other fields are "manquant" too
        "title": "saisi", "sectors": "déduit (appris, confiance 83 %)", "year": "trouvé",
        "doctype": "déduit (du dossier ou du nom du fichier)", "summary": "déduit (du texte)",
        "organisation": "déduit", "territory": "manquant"}.items()


def test_past_max_examples_the_classifier_learns_from_a_sample_that_stays_put(settings: Settings,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from docsearch.index import learning

    confirmed_corpus(settings.corpus_dir, learned.MIN_RECORDS + 10)
    monkeypatch.setattr(learning, "MAX_EXAMPLES", learned.MIN_RECORDS + 2)
    update_index(settings)
    path = learned_path(settings.instance_dir)
    first = load_model(path)
    assert first is not None and first.records == learned.MIN_RECORDS + 2  # not the 40 confirmed
    ix = IndexStore(settings.index_dir).open()
    assert [e.key for e in learning.confirmed_examples(ix)] == [e.key for e in learning.confirmed_examples(ix)]
    update_index(settings, rebuild=True, fresh=True)  # the same records again: the same sample, no retraining
    assert load_model(path).signature == first.signature
