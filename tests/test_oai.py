"""OAI-PMH at /oai, harvested by a real harvester (Sickle) from a real server on 127.0.0.1,
plus raw HTTP for every error of the specification; Dublin Core, the sitemap, schema.org data."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sickle import Sickle
from sickle.oaiexceptions import BadArgument, CannotDisseminateFormat, IdDoesNotExist, NoRecordsMatch
from starlette.testclient import TestClient

from docsearch.config import Settings
from docsearch.corpus.write import write_sidecar
from docsearch.index.update import update_index
from docsearch.staff.ingest import remove_documents
from docsearch.web.app import create_app
from tests.conftest import html_page
from tests.test_cli import serving

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
OLD = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC).timestamp()
NEW = dt.datetime(2025, 6, 1, 15, 30, tzinfo=dt.UTC).timestamp()
# name → (title, sectors, year, when the file was last written)
DOCUMENTS = {
    "habitat/cooperative.html": ("Coopératives d'habitants en Normandie", ["habitat"], 2019, OLD),
    "habitat/foncier.html": ("Foncier solidaire", ["habitat"], 2021, OLD),
    "iae/chantier.html": ("Chantier d'insertion & <maraîchage>", ["iae", "environnement"], 2018, OLD),
    "iae/parcours.html": ("Parcours d'insertion", ["iae"], 2022, NEW),
    "culture/festival.html": ("Festival solidaire </script><script>alert(1)</script>", ["culture"], 2023, NEW),
    "finance/cigales.html": ("Les Cigales, épargne de proximité", ["finance-solidaire"], 2020, NEW),
    "sport/club.html": ("Clubs sportifs associatifs", ["sport"], 2017, NEW),
    "sport/retire.html": ("Document retiré", ["sport"], 2016, OLD),
}
PUBLISHED = len(DOCUMENTS) - 1


@pytest.fixture(scope="module")
def oai_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("oai")
    corpus = root / "corpus"
    for relpath, (title, sectors, year, when) in DOCUMENTS.items():
        path = corpus / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html_page(title.replace("&", "&amp;").replace("<", "&lt;"), f"Un document sur {title}."))
        write_sidecar(path, {"titre": title, "secteurs": sectors, "annee": year, "organisation": "CRESS Normandie"})
        for written in (path, path.with_name(path.name + ".meta.toml")):
            os.utime(written, (when, when))
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", instance_dir=root / "instance", oai_page_size=3)
    update_index(settings)
    remove_documents(settings, ["sport/retire.html"])
    return settings


@pytest.fixture(scope="module")
def base(oai_settings: Settings) -> Iterator[str]:
    with serving(oai_settings, env={**os.environ, "DOCSEARCH_OAI_PAGE_SIZE": "3"}) as url:
        yield url + "/oai"


def get(base: str, **params: str) -> ET.Element:
    with urllib.request.urlopen(base + "?" + urllib.parse.urlencode(params), timeout=10) as response:
        assert response.headers["content-type"].startswith("text/xml")
        return ET.fromstring(response.read())


def error_of(root: ET.Element) -> tuple[str, dict[str, str]]:
    error = root.find(f"{OAI}error")
    assert error is not None, ET.tostring(root)[:500]
    assert error.text  # a message for people, in French
    return error.get("code", ""), dict(root.find(f"{OAI}request").attrib)


def test_a_harvester_gets_every_published_record_across_resumption_tokens(base: str) -> None:
    sickle = Sickle(base)
    identify = sickle.Identify()
    assert identify.protocolVersion == "2.0" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.deletedRecord == "transient" and identify.baseURL == base
    assert identify.earliestDatestamp == "2024-01-10T09:00:00Z"
    records = list(sickle.ListRecords(metadataPrefix="oai_dc"))
    live = [r for r in records if not r.header.deleted]
    deleted = [r for r in records if r.header.deleted]
    assert len(live) == PUBLISHED and len(deleted) == 1  # three pages of 3
    titles = {r.metadata["title"][0] for r in live}
    assert titles == {title for name, (title, *_) in DOCUMENTS.items() if name != "sport/retire.html"}
    chantier = next(r for r in live if r.metadata["title"][0].startswith("Chantier"))
    assert chantier.metadata["subject"] == ["Insertion par l'activité économique", "Environnement et économie circulaire"]
    assert chantier.metadata["date"] == ["2018"] and chantier.metadata["publisher"] == ["CRESS Normandie"]
    assert chantier.metadata["format"] == ["text/html"]
    assert chantier.metadata["identifier"][0].startswith("http://127.0.0.1:") and "/documents/" in chantier.metadata["identifier"][0]
    assert sorted(chantier.header.setSpecs) == ["environnement", "iae"]
    assert chantier.header.datestamp == "2024-01-10T09:00:00Z"
    # The withdrawn document: a header marked deleted, dated by its withdrawal, no metadata.
    assert deleted[0].header.datestamp >= dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT00:00:00Z")
    identifiers = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc")]
    assert len(identifiers) == len(set(identifiers)) == PUBLISHED + 1
    one = sickle.GetRecord(identifier=chantier.header.identifier, metadataPrefix="oai_dc")
    assert one.metadata["title"] == chantier.metadata["title"]
    gone = sickle.GetRecord(identifier=deleted[0].header.identifier, metadataPrefix="oai_dc")
    assert gone.header.deleted


def test_from_until_and_sets(base: str) -> None:
    sickle = Sickle(base)
    recent = [r for r in sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "2025-01-01"}) if not r.header.deleted]
    assert {r.metadata["title"][0] for r in recent} == {t for t, _, _, when in DOCUMENTS.values() if when == NEW}
    older = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", until="2024-01-10"))  # the whole day
    assert len(older) == 3 and all(h.datestamp == "2024-01-10T09:00:00Z" for h in older)
    exact = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2025-06-01T15:30:00Z",
                                                                      "until": "2025-06-01T15:30:00Z"}))
    assert len(exact) == 4
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListIdentifiers(metadataPrefix="oai_dc", until="2023-12-31"))
    sets = {s.setSpec: s.setName for s in sickle.ListSets()}
    assert sets["iae"] == "Insertion par l'activité économique" and "habitat" in sets
    habitat = [r for r in sickle.ListRecords(metadataPrefix="oai_dc", set="habitat") if not r.header.deleted]
    assert {r.metadata["title"][0] for r in habitat} == {"Coopératives d'habitants en Normandie", "Foncier solidaire"}
    formats = list(sickle.ListMetadataFormats())
    assert [f.metadataPrefix for f in formats] == ["oai_dc"]
    with pytest.raises(CannotDisseminateFormat):
        list(sickle.ListRecords(metadataPrefix="marc21"))
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier="oai:ailleurs:123", metadataPrefix="oai_dc")
    with pytest.raises(BadArgument):
        list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "hier"}))


def test_resumption_tokens_page_by_three_and_end_empty(base: str) -> None:
    root = get(base, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
    assert len(root.findall(f".//{OAI}header")) == 3
    assert token.get("completeListSize") == str(PUBLISHED + 1) and token.get("cursor") == "0" and token.text
    seen = 3
    while token.text:
        root = get(base, verb="ListIdentifiers", resumptionToken=token.text)
        assert root.find(f"{OAI}request").get("resumptionToken") == token.text
        token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
        assert token.get("cursor") == str(seen)
        seen += len(root.findall(f".//{OAI}header"))
    assert seen == PUBLISHED + 1  # the last part carries an empty token


def token_of(**state: object) -> str:
    """A resumption token as the server writes them (URL-safe base64 JSON)."""
    return base64.urlsafe_b64encode(json.dumps({"v": 1, **state}).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("params", "code", "echoed"), [
    ({}, "badVerb", False),
    ({"verb": "Moissonner"}, "badVerb", False),
    ({"verb": ["Identify", "Identify"]}, "badVerb", False),
    ({"verb": "Identify", "extra": "1"}, "badArgument", False),
    ({"verb": "ListRecords"}, "badArgument", False),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument", False),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument", False),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-13-45"}, "badArgument", False),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-01-01", "until": "2025-02-01T00:00:00Z"},
     "badArgument", False),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-02-01", "until": "2025-01-01"}, "badArgument", False),
    ({"verb": "ListRecords", "resumptionToken": "abc", "metadataPrefix": "oai_dc"}, "badArgument", False),
    ({"verb": "ListRecords", "resumptionToken": "n'importe-quoi"}, "badResumptionToken", True),
    ({"verb": "ListIdentifiers", "resumptionToken": token_of(verb="ListIdentifiers", o=999, metadataPrefix="oai_dc")},
     "badResumptionToken", True),  # past the end of the list
    ({"verb": "ListRecords", "resumptionToken": token_of(verb="ListIdentifiers", o=3, metadataPrefix="oai_dc")},
     "badResumptionToken", True),  # a token of another verb
    ({"verb": "ListRecords", "resumptionToken": token_of(verb="ListRecords", o=-3, metadataPrefix="oai_dc")},
     "badResumptionToken", True),
    ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken", True),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat", True),
    ({"verb": "GetRecord", "metadataPrefix": "mods", "identifier": "oai:127.0.0.1:x"}, "cannotDisseminateFormat", True),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:127.0.0.1:inconnu"}, "idDoesNotExist", True),
    ({"verb": "ListMetadataFormats", "identifier": "pas-un-identifiant"}, "idDoesNotExist", True),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "aucun-secteur"}, "noRecordsMatch", True),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2030-01-01"}, "noRecordsMatch", True),
])
def test_every_error_of_the_specification(base: str, params: dict, code: str, echoed: bool) -> None:
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{base}?{query}", timeout=10) as response:
        assert response.status == 200  # OAI-PMH errors are answers, not HTTP errors
        root = ET.fromstring(response.read())
    found, attributes = error_of(root)
    assert found == code
    # badVerb and badArgument: the request element carries no attribute (section 3.6).
    assert bool(attributes) == echoed


def test_post_requests_and_escaped_text(base: str) -> None:
    data = urllib.parse.urlencode({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "culture"}).encode()
    request = urllib.request.Request(base, data=data, headers={"content-type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    root = ET.fromstring(body)  # well-formed, whatever the title holds
    titles = [t.text for t in root.iter(f"{DC}title")]
    assert titles == ["Festival solidaire </script><script>alert(1)</script>"]
    assert b"<script>" not in body


def test_identifiers_use_the_public_address_when_set(oai_settings: Settings) -> None:
    from dataclasses import replace

    client = TestClient(create_app(replace(oai_settings, public_url="https://ressources.example.org")))
    root = ET.fromstring(client.get("/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}).content)
    assert all(i.text.startswith("oai:ressources.example.org:") for i in root.iter(f"{OAI}identifier"))
    assert root.find(f"{OAI}request").text == "https://ressources.example.org/oai"


def test_dublin_core_sitemap_and_schema_org(oai_settings: Settings) -> None:
    client = TestClient(create_app(oai_settings))
    catalogue = ET.fromstring(client.get("/catalogue.dc.xml").content)
    records = catalogue.findall("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
    assert len(records) == PUBLISHED
    identifier = records[0].find(f"{DC}identifier").text
    doc_id = identifier.rsplit("/", 1)[1]
    one = client.get(f"/documents/{doc_id}.dc.xml")
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/xml")
    assert ET.fromstring(one.content).find(f"{DC}identifier").text == identifier
    assert client.get("/documents/inconnu.dc.xml").status_code == 404

    sitemap = ET.fromstring(client.get("/sitemap.xml").content)
    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = {u.find(f"{sm}loc").text: u.find(f"{sm}lastmod").text for u in sitemap.findall(f"{sm}url")}
    assert len(locations) == PUBLISHED + 1  # the home page and every published document
    assert locations[f"http://testserver/documents/{doc_id}"] in ("2024-01-10T09:00:00Z", "2025-06-01T15:30:00Z")
    assert not any("retire" in loc for loc in locations)

    festival = next(r for r in records if r.find(f"{DC}title").text.startswith("Festival"))
    festival_id = festival.find(f"{DC}identifier").text.rsplit("/", 1)[1]
    page = client.get(f"/documents/{festival_id}").text
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1  # the title's "</script>" did not end it
    data = json.loads(blocks[0])
    assert data["@type"] == "WebPage" and data["name"].startswith("Festival solidaire </script>")
    assert data["datePublished"] == "2023" and data["about"] == [{"@type": "Thing", "name": "Culture"}]
    assert data["publisher"] == {"@type": "Organization", "name": "CRESS Normandie"} and data["inLanguage"] == "fr"
    assert "<script>alert" not in page
    assert f'href="/documents/{festival_id}.dc.xml"' in page  # the record's Dublin Core, for programs


def test_an_empty_catalogue_still_identifies(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance")
    update_index(settings)
    client = TestClient(create_app(settings))
    root = ET.fromstring(client.get("/oai", params={"verb": "Identify"}).content)
    assert root.find(f"{OAI}Identify/{OAI}earliestDatestamp").text == "1970-01-01T00:00:00Z"
    root = ET.fromstring(client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).content)
    assert error_of(root)[0] == "noRecordsMatch"


def test_responses_follow_the_schema_order(base: str) -> None:
    """The sequences OAI-PMH.xsd prescribes (no copy of the schema here: its elements in order)."""
    def names(element: ET.Element) -> list[str]:
        return [child.tag.split("}")[1] for child in element]

    identify = get(base, verb="Identify")
    assert names(identify) == ["responseDate", "request", "Identify"]
    assert names(identify.find(f"{OAI}Identify")) == ["repositoryName", "baseURL", "protocolVersion", "adminEmail",
                                                      "earliestDatestamp", "deletedRecord", "granularity"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", identify.find(f"{OAI}responseDate").text)
    records = get(base, verb="ListRecords", metadataPrefix="oai_dc")
    for record in records.iter(f"{OAI}record"):
        assert names(record) in (["header", "metadata"], ["header"])
        header = record.find(f"{OAI}header")
        assert names(header)[:2] == ["identifier", "datestamp"] and set(names(header)[2:]) <= {"setSpec"}
        assert (header.get("status") == "deleted") == (names(record) == ["header"])
        metadata = record.find(f"{OAI}metadata")
        if metadata is not None:
            (dc,) = list(metadata)
            assert dc.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
            assert all(child.tag.startswith(DC) for child in dc)
    assert names(records.find(f"{OAI}ListRecords"))[-1] == "resumptionToken"
    sets = get(base, verb="ListSets").find(f"{OAI}ListSets")
    assert all(names(s) == ["setSpec", "setName"] for s in sets)
    assert all(re.fullmatch(r"[A-Za-z0-9\-_.!~*'()]+", s.find(f"{OAI}setSpec").text) for s in sets)
    formats = get(base, verb="ListMetadataFormats").find(f"{OAI}ListMetadataFormats")
    assert [names(f) for f in formats] == [["metadataPrefix", "schema", "metadataNamespace"]]
    error = get(base, verb="Moissonner")
    assert names(error) == ["responseDate", "request", "error"]
