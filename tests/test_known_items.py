"""Known items: what a visitor types over the sample corpus, and the document that must come in the top 3."""

from __future__ import annotations

import pytest

from docsearch.search.service import SearchRequest

KNOWN_ITEMS = [
    ("rapport activité 2012 insertion", "entrepreneuriat/2012/rapport-activite-2012.pdf"),
    ("rapport d'activité 2008", "entrepreneuriat/2008/rapport-activite-2008.pdf"),
    ("rapport activite 2008", "entrepreneuriat/2008/rapport-activite-2008.pdf"),  # no accents
    ("fiche commerce équitable", "commerce-equitable/2010/fiche-secteur-commerce-equitable.pdf"),
    ("commerce equitable", "commerce-equitable/2010/fiche-secteur-commerce-equitable.pdf"),
    ("AMAP", "a-trier/depliant-amap.pdf"),
    ("méthanisation", "entrepreneuriat/2012/rapport-activite-2012.pdf"),  # one word on page 17
    ("ressourcerie", "environnement/2014/ressourcerie-andelle-rapport-activite-2014.pdf"),
    ("garage solidaire", "mobilite/2018/garage-solidaire-du-cotentin.pdf"),
    ("épicerie solidaire Le Havre", "agriculture-alimentation/2009/epicerie-solidaire-du-havre.pdf"),
    ("rapport épicerie solidaire", "a-trier/document-sans-titre.pdf"),
    ("finance solidaire outils", "finance-solidaire/2011/guide-outils-finance-solidaire.pdf"),
    ("épargne solidaire", "web/epargne-solidaire-comment-ca-marche.html"),
    ("club cigales", "finance-solidaire/2008/cigales-fourmis-du-caux.pdf"),
    ("coopérative d'habitants", "web/cooperative-habitants-caen.html"),
    ("cooperative habitants caen", "web/cooperative-habitants-caen.html"),
    ("habitat participatif", "habitat/2018/etude-habitat-participatif-normandie-2018.pdf"),
    ("inclusion numérique", "numerique/2020/enquete-inclusion-numerique-ess-2020.pdf"),
    ("village vacances", "tourisme-social/2010/village-vacances-les-falaises.pdf"),
    ("tourisme social", "a-trier/pj-courriel-2.pdf"),
    ("mutuelle santé", "a-trier/sans-titre-1.pdf"),
    ("aide à domicile", "services-personne/2019/domicile-solidaire-eure-rapport-activite-2019.pdf"),
    ("MJC", "education-populaire/2023/mjc-plateau-est-rapport-activite-2023.pdf"),
    ("éducation populaire", "a-trier/fiche-3.pdf"),
    ("chantier d'insertion", "web/chantier-insertion-portes-ouvertes-2006.html"),
    ("jardins de la Risle", "iae/2017/jardins-de-la-risle-rapport-activite-2017.pdf"),
    ("mobilité solidaire Eure", "mobilite/2015/diagnostic-mobilite-solidaire-eure-2015.pdf"),
    ("circuits courts", "agriculture-alimentation/2013/etude-circuits-courts-seine-maritime-2013.pdf"),
    ("panorama ESS 2009", "entrepreneuriat/2009/panorama-ess-haute-normandie-2009.pdf"),
    ("mois de l'ESS", "web/mois-de-l-ess-2019.html"),
    ("bourse aux vélos", "web/bourse-aux-velos-automne-2021.html"),
    ("compagnie théâtre", "culture/2013/compagnie-du-vent-d-ouest.pdf"),
    ("énergies citoyennes", "environnement/2022/scic-energies-citoyennes-calvados.pdf"),
    ("fiche sport", "sport/2012/fiche-secteur-sport.pdf"),
    ("plaquette ARDESS", "entrepreneuriat/2006/plaquette-ardess.pdf"),
    ("qu'est-ce que l'économie sociale et solidaire", "web/qu-est-ce-que-l-ess.html"),
    ("recyclerie", "a-trier/copie-de-plaquette.pdf"),
    ("emplois du sport et de l'animation", "a-trier/etude-v2-finale.pdf"),
    ("partir en vacances petit budget", "web/partir-en-vacances-petit-budget.html"),
    ("Coop'Avenir", "entrepreneuriat/2021/coop-avenir-rapport-activite-2021.pdf"),
]


@pytest.mark.parametrize(("query", "relpath"), KNOWN_ITEMS, ids=[q for q, _ in KNOWN_ITEMS])
def test_known_item_in_top_three(sample_service, query: str, relpath: str) -> None:
    top = [hit.relpath for hit in sample_service.search(SearchRequest(q=query, per_page=3)).hits]
    assert relpath in top, f"{query!r} → {top}"
