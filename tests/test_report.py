"""The search report: each search as typed with its filters, a period to choose, few results beside none, CSV."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import html
import io
import re
import sqlite3

from docsearch.staff.searchlog import SearchLog
from tests.test_staff import app, logged_searches, staff, staff_settings  # noqa: F401  (fixtures)

TODAY = dt.date.today()


def cells(page: str, heading: str) -> list[list[str]]:
    """The rows of the table under ``heading``, as text."""
    section = page.split(f">{heading}</h2>", 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", section, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row.split("</td><td>")] for row in rows]


def test_each_search_is_shown_as_typed_with_its_filters(staff, staff_settings) -> None:  # noqa: F811
    staff.get("/search", params={"q": "économie sociale AND habitat", "secteur": "habitat", "de": "2010", "a": "2020"})
    staff.get("/search", params={"q": "économie sociale and habitat"})  # "and" is a word, not the operator
    staff.get("/search", params={"q": "Festival SAUF  compost"})
    staff.get("/search", params={"q": "festival sauf compost"})
    staff.get("/search", params={"q": "Festival"})
    staff.get("/search", params={"q": "festival"})
    staff.get("/search", params={"q": "festival", "type": "page-web"})
    staff.get("/search", params={"q": "-habitat", "annee": "inconnue"})
    page = staff.get("/gestion/recherches").text
    frequent = cells(page, "Les plus fréquentes")
    assert ["Festival", "", "2", "1"] in frequent  # "Festival" and "festival" are one search
    assert ["festival", "Type : Page web", "1", "1"] in frequent  # the same words with a filter count apart
    typed = [row[0] for row in frequent]
    assert "économie sociale AND habitat" in typed and "économie sociale and habitat" in typed
    assert "Festival SAUF  compost" in typed and "festival sauf compost" in typed  # the operator as typed
    row = next(r for r in frequent if r[0] == "économie sociale AND habitat")
    assert row[1] == "Secteur : Habitat et logement ; Années depuis 2010 ; Années jusqu'à 2020"
    assert next(r for r in frequent if r[0] == "-habitat")[1] == "Année : inconnue"
    # Each one links to its results page, filters included.
    assert 'href="/search?q=%C3%A9conomie+sociale+AND+habitat&amp;secteur=habitat&amp;de=2010&amp;a=2020"' in page
    none = [r[0] for r in cells(page, "Sans résultat")]
    few = [r[0] for r in cells(page, "Peu de résultats (3 au plus)")]
    assert "économie sociale AND habitat" in none and "Festival" in few and "Festival" not in none
    columns, *rows = logged_searches(staff_settings)
    assert columns == ("day", "q", "n", "typed", "filters")
    assert ("économie sociale AND habitat", "secteur=habitat&de=2010&a=2020") in [(r[3], r[4]) for r in rows]


def test_a_period_to_choose(staff, staff_settings) -> None:  # noqa: F811
    for days_ago, query in ((0, "aujourd'hui"), (5, "cette semaine"), (20, "ce mois-ci"), (60, "ce trimestre"),
                            (200, "cette année")):
        SearchLog(staff_settings.instance_dir, today=lambda d=days_ago: TODAY - dt.timedelta(days=d)).record(query, 0)

    def shown(**params: str) -> list[str]:
        page = staff.get("/gestion/recherches", params=params).text
        return [r[0] for r in cells(page, "Les plus fréquentes") if len(r) > 1]

    assert shown(periode="7") == ["aujourd'hui", "cette semaine"]
    assert shown() == shown(periode="30") == ["aujourd'hui", "cette semaine", "ce mois-ci"]
    assert shown(periode="90") == ["aujourd'hui", "cette semaine", "ce mois-ci", "ce trimestre"]
    start, end = (TODAY - dt.timedelta(days=250)).isoformat(), (TODAY - dt.timedelta(days=10)).isoformat()
    assert shown(periode="dates", du=start, au=end) == ["ce mois-ci", "ce trimestre", "cette année"]
    assert shown(periode="dates", du=end, au=start) == ["ce mois-ci", "ce trimestre", "cette année"]  # swapped back
    page = staff.get("/gestion/recherches", params={"periode": "dates", "du": "hier"}).text
    assert "Dates non comprises : écrivez-les AAAA-MM-JJ" in page
    page = staff.get("/gestion/recherches", params={"periode": "dates", "du": "2001-01-01", "au": "2001-12-31"}).text
    assert "Les recherches ne sont gardées que 366 jours" in page
    assert 'value="dates" checked' in staff.get("/gestion/recherches", params={"periode": "dates", "du": start}).text

    exported = staff.get("/gestion/recherches.csv", params={"periode": "90"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["recherche", "filtres", "fois", "resultats"]
    assert [r[0] for r in rows[1:]] == ["aujourd'hui", "cette semaine", "ce mois-ci", "ce trimestre"]


def test_the_csv_keeps_filters_and_defuses_formulas(staff) -> None:  # noqa: F811
    staff.get("/search", params={"q": "-habitat", "secteur": "habitat"})
    staff.get("/search", params={"q": "=1+1"})
    rows = list(csv.reader(io.StringIO(staff.get("/gestion/recherches.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert ["'-habitat", "Secteur : Habitat et logement", "1", "0"] in rows
    assert any(r[0] == "'=1+1" for r in rows)


def test_a_log_of_the_previous_version_gains_its_new_columns(staff, staff_settings) -> None:  # noqa: F811
    staff_settings.instance_dir.mkdir(parents=True, exist_ok=True)
    path = staff_settings.instance_dir / "searches.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE searches (day TEXT NOT NULL, q TEXT NOT NULL, n INTEGER NOT NULL)")
        db.execute("INSERT INTO searches VALUES (?, 'ancienne recherche', 0)", (TODAY.isoformat(),))
        db.commit()
    staff.get("/search", params={"q": "nouvelle", "secteur": "culture"})
    page = staff.get("/gestion/recherches").text
    assert ["ancienne recherche", "", "1", "0"] in cells(page, "Sans résultat")
    assert ["nouvelle", "Secteur : Culture", "1", "0"] in cells(page, "Sans résultat")
