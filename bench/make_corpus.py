"""A realistic, seeded corpus for the benchmarks: French ESS brochures, sector
sheets and activity reports as real PDFs (or HTML pages), in the corpus layout.

    .venv/bin/python bench/make_corpus.py OUT --docs 2000 [--seed 1] [--html]

Brochures have 1–4 pages, sector sheets 1–2, activity reports 10–40 (a
fifth of the documents); files go to ``OUT/<secteur>/<année>/``, with a
staff metadata file for two documents out of five. ``--html`` writes web
pages instead of PDFs (much faster, for the 20,000-document runs). Needs
the dev extra (fpdf2) for PDFs.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

SECTORS = {
    "iae": ["chantier d'insertion", "salariés en insertion", "parcours vers l'emploi", "encadrants techniques", "entreprise d'insertion"],
    "commerce-equitable": ["producteurs du Sud", "prix juste", "boutique de commerce équitable", "filière équitable", "coopératives de producteurs"],
    "finance-solidaire": ["épargne solidaire", "prêt d'honneur", "garantie bancaire", "club d'investisseurs", "microcrédit"],
    "services-personne": ["aide à domicile", "personnes âgées", "auxiliaires de vie", "portage de repas", "garde d'enfants"],
    "environnement": ["ressourcerie", "réemploi", "tri des déchets", "réparation", "énergie renouvelable citoyenne"],
    "culture": ["spectacle vivant", "compagnie de théâtre", "festival", "médiation culturelle", "lecture publique"],
    "sport": ["club sportif", "éducateurs sportifs", "licenciés", "sport pour tous", "équipements sportifs"],
    "education-populaire": ["maison des jeunes", "centre social", "accueil de loisirs", "animateurs", "éducation populaire"],
    "sante-action-sociale": ["centre de santé", "mutuelle", "hébergement d'urgence", "handicap", "accès aux soins"],
    "agriculture-alimentation": ["AMAP", "circuits courts", "maraîchage biologique", "épicerie solidaire", "restauration collective"],
    "habitat": ["habitat participatif", "coopérative d'habitants", "précarité énergétique", "logement social", "rénovation"],
    "mobilite": ["garage solidaire", "transport solidaire", "auto-école sociale", "atelier vélo", "covoiturage"],
    "tourisme-social": ["village vacances", "départs en vacances", "séjours", "tourisme solidaire", "chèques-vacances"],
    "numerique": ["inclusion numérique", "médiation numérique", "logiciels libres", "fablab", "ateliers informatiques"],
    "entrepreneuriat": ["SCOP", "SCIC", "coopérative d'activité et d'emploi", "porteurs de projet", "incubateur"],
}
TOWNS = ["Rouen", "Caen", "Le Havre", "Évreux", "Cherbourg", "Alençon", "Dieppe", "Lisieux", "Vernon", "Fécamp", "Bayeux", "Saint-Lô"]
VERBS = ["accompagne", "développe", "soutient", "organise", "anime", "renforce", "finance", "coordonne", "évalue", "structure"]
NOUNS = ["les adhérents", "les bénévoles", "les partenaires publics", "les habitants du territoire", "les salariés",
         "les collectivités locales", "les entreprises de l'économie sociale et solidaire", "les associations du réseau"]
CLAUSES = ["au cours de l'exercice", "grâce au soutien de la Région", "dans le cadre du projet associatif",
           "avec une attention particulière aux publics fragiles", "selon les principes de gouvernance démocratique",
           "malgré un contexte budgétaire difficile", "en lien avec le dispositif local d'accompagnement"]


def sentence(rng: random.Random, sector: str, town: str) -> str:
    topic = rng.choice(SECTORS[sector])
    return (f"{rng.choice(['La structure', 'Notre association', 'La coopérative', 'Le réseau', 'L’équipe'])} "
            f"{rng.choice(VERBS)} {rng.choice(NOUNS)} autour de {topic} à {town} {rng.choice(CLAUSES)}. "
            f"En {rng.randint(2005, 2025)}, {rng.randint(3, 480)} personnes ont bénéficié des actions liées à {rng.choice(SECTORS[sector])}.")


def page_text(rng: random.Random, sector: str, town: str, sentences: int) -> str:
    return " ".join(sentence(rng, sector, town) for _ in range(sentences))


def plan(rng: random.Random, number: int) -> dict[str, object]:
    kind = rng.choices(["plaquette", "fiche-secteur", "rapport-activite"], weights=[45, 35, 20])[0]
    pages = {"plaquette": rng.randint(1, 4), "fiche-secteur": rng.randint(1, 2), "rapport-activite": rng.randint(10, 40)}[kind]
    sector, year, town = rng.choice(list(SECTORS)), rng.randint(2005, 2025), rng.choice(TOWNS)
    names = {"plaquette": "Plaquette", "fiche-secteur": "Fiche secteur", "rapport-activite": "Rapport d'activité"}
    title = f"{names[kind]} {year} — {rng.choice(SECTORS[sector]).capitalize()} à {town}"
    return {"n": number, "kind": kind, "pages": pages, "sector": sector, "year": year, "town": town, "title": title}


def write_pdf(path: Path, doc: dict[str, object], rng: random.Random) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(str(doc["title"]).encode("latin-1", "replace").decode("latin-1"))
    pdf.set_font("Helvetica", size=11)
    for number in range(int(doc["pages"])):
        pdf.add_page()
        text = (f"{doc['title']}\n\n" if number == 0 else "") + page_text(rng, str(doc["sector"]), str(doc["town"]), 14)
        pdf.multi_cell(0, 5, _latin1(text), align="L")
        pdf.cell(0, 8, f"Page {number + 1} / {doc['pages']}")
    pdf.output(str(path))


def write_html(path: Path, doc: dict[str, object], rng: random.Random) -> None:
    paragraphs = "".join(f"<p>{page_text(rng, str(doc['sector']), str(doc['town']), 10)}</p>" for _ in range(int(doc["pages"])))
    path.write_text(f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{doc["title"]}</title></head>'
                    f"<body><nav>Accueil</nav><main><h1>{doc['title']}</h1>{paragraphs}</main></body></html>",
                    encoding="utf-8")


def _latin1(text: str) -> str:
    # The core PDF fonts are Latin-1: French accents are there, curly quotes are not.
    return text.replace("’", "'").replace("—", "-").replace("œ", "oe").encode("latin-1", "replace").decode("latin-1")


def make_one(out: Path, number: int, seed: int, html: bool) -> int:
    """One document (its own seeded generator: the same corpus in any order)."""
    rng = random.Random(f"{seed}-{number}")
    doc = plan(rng, number)
    folder = out / str(doc["sector"]) / str(doc["year"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc['kind']}-{number:05d}.{'html' if html else 'pdf'}"
    (write_html if html else write_pdf)(path, doc, rng)
    if number % 5 < 2:
        path.with_name(path.name + ".meta.toml").write_text(
            f'titre = "{doc["title"]}"\nsecteurs = ["{doc["sector"]}"]\nannee = {doc["year"]}\ntype = "{doc["kind"]}"\n',
            encoding="utf-8")
    return int(doc["pages"])


def make_corpus(out: Path, docs: int, seed: int = 1, html: bool = False, processes: int = 2) -> int:
    """Write ``docs`` documents under ``out``; the number of pages."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(processes) as pool:
        return sum(pool.map(make_one, [out] * docs, range(docs), [seed] * docs, [html] * docs, chunksize=20))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--html", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    pages = make_corpus(args.out, args.docs, args.seed, args.html)
    print(f"{args.docs} documents, {pages} pages in {args.out} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
