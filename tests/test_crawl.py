"""The crawler on a test site served on 127.0.0.1 (tests/crawl_site.py):
`docsearch crawl` indexes exactly the allowed pages and linked documents,
a second crawl gets 304s, re-indexes what changed and moves the pages
gone (404/410, asked twice) to the trash, and robots.txt's disallowed
paths are never requested."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from docsearch.cli import cli
from docsearch.config import Settings
from docsearch.corpus.crawl.page import read_page, robots_directives
from docsearch.corpus.crawl.robots import parse_robots
from docsearch.corpus.crawl.seeds import parse_feed, parse_sitemap
from docsearch.corpus.crawl.urls import normalise
from docsearch.corpus.fetch import FetchError, Limits, get
from docsearch.errors import UserError
from docsearch.staff.crawl import corpus_place
from docsearch.staff.sites import SiteStore
from tests import crawl_site

# The pages the crawler may keep, and the documents they link to.
KEPT = {"/", "/a-propos.html", "/prive/public.html", "/plan-seulement.html", "/actualites/", "/actualites/fete-ess.html",
        "/nouvelle-adresse.html", "/disparaitra.html", "/supprimee.html", "/sans-suite.html", "/via-brouillon.html",
        "/fiche.html", "/documents/rapport-2025.pdf", "/documents/compte-rendu.docx"}
NEVER_REQUESTED = {"/prive/secret.html", "/fiche.html?imprimer=1", "/sauvegarde.bak", "/cachee.html", "/lien-nofollow.html"}


def crawl_settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", instance_dir=tmp_path / "instance",
                    workers=1, extract_timeout=30, fetch_private=True,  # the test site is on 127.0.0.1
                    crawl_delay=0.01, crawl_delay_max=0.02,  # robots.txt asks 30 s: the cap wins
                    fetch_timeout=1.0, fetch_max_mb=1)


@pytest.fixture
def site():
    site = crawl_site.Site()
    server = crawl_site.serve(site)
    crawl_site.build(site)
    yield site
    server.shutdown()
    server.server_close()


def run(settings: Settings, *args: str):
    """`docsearch …` with these settings (the folders as options, the rest as DOCSEARCH_* variables)."""
    env = {f"DOCSEARCH_{name.upper()}": str(int(value) if isinstance(value, bool) else value)
           for name in ("fetch_private", "crawl_delay", "crawl_delay_max", "fetch_timeout", "fetch_max_mb", "workers")
           if (value := getattr(settings, name)) is not None}
    return CliRunner().invoke(cli, ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
                                    "--instance", str(settings.instance_dir), *args], env=env)


def search(settings: Settings, *words: str) -> list[dict]:
    result = run(settings, "search", *words, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["hits"]


def kept_urls(settings: Settings, site: crawl_site.Site) -> set[str]:
    """The site's paths whose snapshots are in the corpus (from their sidecars' ``url``)."""
    urls = set()
    for sidecar in (settings.corpus_dir / "web").rglob("*.meta.toml"):
        line = next(line for line in sidecar.read_text(encoding="utf-8").splitlines() if line.startswith("url = "))
        urls.add(json.loads(line.removeprefix("url = ")).removeprefix(site.url.rstrip("/")))
    return urls


def test_crawl_keeps_allowed_pages_then_recrawls_with_304_and_trashes_pages_gone_twice(tmp_path, site) -> None:
    settings = crawl_settings(tmp_path)
    first = run(settings, "crawl", site.url, "--quiet")
    assert first.exit_code == 0, first.output

    # Exactly the allowed pages and the linked documents are in the corpus, under web/<host>/, with address and date.
    assert kept_urls(settings, site) == KEPT
    host = f"web/127.0.0.1-{site.port}"
    sidecar = (settings.corpus_dir / host / "documents" / "rapport-2025.pdf.meta.toml").read_text(encoding="utf-8")
    assert f'url = "{site.url}documents/rapport-2025.pdf"' in sidecar and "collecte = " in sidecar
    for path in NEVER_REQUESTED:
        assert not site.requested(path), path
    assert not any(h.startswith("localhost") for h, _, _ in site.requests)  # the redirect to another host was not followed
    assert [p for _, p, _ in site.requests].count("/a-propos.html") == 1  # ?utm_source=…#haut is the same address
    assert "1 en échec" not in first.output and "boucle de redirections" in first.output
    assert "délai de réponse dépassé" in first.output and "plus de 1 Mo" in first.output
    assert "interdit par robots.txt" in first.output and "page marquée « noindex »" in first.output
    assert f"même contenu que {site.url}prive/public.html" in first.output
    assert f"écartée : {site.url}documents/interne.pdf : document marqué « noindex » (X-Robots-Tag)" in first.output
    assert f"adresse canonique : {site.url}fiche.html" in first.output

    # A visitor finds a crawled page and the linked PDF and DOCX, with their source address.
    page = search(settings, "quarante", "structures")[0]
    assert page["url"] == f"{site.url}a-propos.html" and page["relpath"] == f"{host}/a-propos.html"
    assert page["type"]["code"] == "page-web"
    pdf = search(settings, "Ressourcerie", "Bocage")[0]
    assert pdf["url"] == f"{site.url}documents/rapport-2025.pdf" and pdf["relpath"].endswith(".pdf")
    assert f"{host}/documents/compte-rendu.docx" in [hit["relpath"] for hit in search(settings, "salariés", "parcours")]
    assert search(settings, "fête", "Vire")  # found through the RSS feed only
    assert search(settings, "charte", "valeurs")  # found through the gzip sitemap only
    assert not any(hit["relpath"].endswith("/brouillon.html") for hit in search(settings, "brouillon"))  # noindex

    # Second crawl: one page changed, one new, two gone, one missing for a moment; the rest answers 304.
    crawl_site.change(site)
    site.answered.clear()
    second = run(settings, "crawl", site.url, "--quiet")
    assert second.exit_code == 0, second.output
    assert site.statuses("/actualites/") == [304] and site.statuses("/documents/rapport-2025.pdf") == [304]
    assert site.statuses("/prive/public.html") == [304]
    assert search(settings, "cinquante", "structures")[0]["url"] == f"{site.url}a-propos.html"  # re-indexed
    assert f"{host}/a-propos.html" not in [hit["relpath"] for hit in search(settings, "quarante")]
    assert search(settings, "monnaie", "locale")[0]["url"] == f"{site.url}nouveau.html"
    assert f"modifiées : {site.url}a-propos.html" in second.output and f"nouvelles : {site.url}nouveau.html" in second.output
    # Gone (404, 410) and asked again at the end of the crawl: still gone, so to the trash (never deleted), out of the index.
    assert site.statuses("/disparaitra.html") == [404, 404] and site.statuses("/supprimee.html") == [410, 410]
    assert f"disparues : {site.url}disparaitra.html" in second.output and f"disparues : {site.url}supprimee.html" in second.output
    assert not (settings.corpus_dir / host / "disparaitra.html").exists()
    assert not (settings.corpus_dir / host / "supprimee.html").exists()
    trashed = sorted(p.name for p in (settings.corpus_dir / ".corbeille").rglob("*.html"))
    assert trashed == ["disparaitra.html", "supprimee.html"]
    assert not search(settings, "maraîcher") and not search(settings, "jeudi")
    # Missing for a moment (a deploy): back when asked again, kept and still found.
    assert site.statuses("/plan-seulement.html") == [404, 304]
    assert f"{site.url}plan-seulement.html" not in second.output and search(settings, "charte", "valeurs")

    # Third crawl: nothing changed, nothing more is trashed; the trashed pages are dead links now.
    site.answered.clear()
    third = run(settings, "crawl", site.url, "--quiet")
    assert third.exit_code == 0, third.output
    assert "0 nouvelles, 0 modifiées" in third.output and "(0 mises à la corbeille)" in third.output
    assert f"échec : {site.url}disparaitra.html : lien mort (404)" in third.output
    fetched_again = {path for path, status in site.answered if status == 200}
    assert fetched_again <= {"/robots.txt", "/sitemaps/index.xml", "/sitemaps/pages.xml.gz", "/flux.rss", "/annuaire-copie.html",
                             "/fiche.html?version=imprimable", "/brouillon.html", "/lente.html", "/enorme.html"}, fetched_again
    assert search(settings, "cinquante", "structures") and search(settings, "monnaie", "locale")  # kept
    for path in NEVER_REQUESTED:
        assert not site.requested(path), path


def test_an_unreachable_site_changes_nothing(tmp_path, site) -> None:
    settings = crawl_settings(tmp_path)
    assert run(settings, "crawl", site.url, "--quiet").exit_code == 0
    before = sorted(p.relative_to(settings.corpus_dir) for p in settings.corpus_dir.rglob("*"))
    port = site.port
    with socket.socket() as probe:  # a port nobody listens on: the site is down
        probe.bind(("127.0.0.1", 0))
        down = probe.getsockname()[1]
    store = SiteStore(settings.instance_dir)
    for page in store.pages(site.url):  # what was known of the site, now under an address that does not answer
        store.save_page(site.url.replace(str(port), str(down)), replace(page, url=page.url.replace(str(port), str(down))))
    result = run(settings, "crawl", site.url.replace(str(port), str(down)), "--quiet")
    assert result.exit_code == 1 and "site injoignable" in result.output and "rien n'a changé" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(settings.corpus_dir) for p in settings.corpus_dir.rglob("*")) == before


def test_robots_5xx_means_nothing_is_fetched(tmp_path, site) -> None:
    settings = crawl_settings(tmp_path)
    site.pages["/robots.txt"] = (503, "text/plain", b"")
    result = run(settings, "crawl", site.url, "--quiet")
    assert result.exit_code == 1 and "robots.txt a répondu 503" in result.output
    assert [p for _, p, _ in site.requests] == ["/robots.txt"]


def test_caps_and_rules_of_the_command(tmp_path, site) -> None:
    settings = crawl_settings(tmp_path)
    result = run(settings, "crawl", site.url, "--quiet", "--max-pages", "3", "--exclude", "/actualites/*")
    assert result.exit_code == 0, result.output
    pages = [p for _, p, _ in site.requests if not p.startswith(("/robots.txt", "/sitemap"))]
    assert len(pages) == 3 and not any(p.startswith("/actualites/") for p in pages)
    site.requests.clear()
    depth = run(crawl_settings(tmp_path / "autre"), "crawl", site.url, "--quiet", "--max-depth", "0")
    assert depth.exit_code == 0 and "1 nouvelles" in depth.output
    assert [p for _, p, _ in site.requests if not p.startswith(("/robots.txt", "/sitemap"))] == ["/"]


def test_malformed_and_local_addresses_get_a_french_message(tmp_path) -> None:
    settings = replace(crawl_settings(tmp_path), fetch_private=False)
    for url in ("http://h:99999/", "http://[::1/", "ftp://example.org/"):
        result = run(settings, "crawl", url)
        assert result.exit_code == 2 and "n'est pas une adresse" in result.output and "Traceback" not in result.output, url
    result = run(settings, "crawl", "http://127.0.0.1:9/")
    assert "adresse locale ou privée, refusée" in result.output and "Traceback" not in result.output


# Units the run relies on ------------------------------------------------------


def test_urls_are_normalised() -> None:
    assert normalise("HTTP://Example.ORG:80/a/../b/?utm_source=x&b=2&a=1&fbclid=z#haut") == "http://example.org/b/?a=1&b=2"
    assert normalise("https://example.org:443/rapport annuel.pdf") == "https://example.org/rapport%20annuel.pdf"
    assert normalise("../c.pdf", "http://h.fr/a/b/page.html") == "http://h.fr/a/c.pdf"
    assert normalise("http://h.fr:8080") == "http://h.fr:8080/"
    for bad in ("http://h:99999/", "http://[::1/", "mailto:x@y.fr", "javascript:void(0)", "ftp://h/"):
        assert normalise(bad) is None, bad


def test_robots_wildcards_as_rfc_9309_reads_them() -> None:
    robots = parse_robots(200, b"User-agent: *\nDisallow: /*?imprimer=\nDisallow: /*.pdf$\nAllow: /prive/ok\nDisallow: /prive/\n"
                               b"Crawl-delay: 2\nSitemap: https://h.fr/s.xml\n")
    assert not robots.allowed("https://h.fr/fiche?imprimer=1") and robots.allowed("https://h.fr/fiche?page=1")
    assert not robots.allowed("https://h.fr/a/b.pdf") and robots.allowed("https://h.fr/a/b.pdf?x=1")
    assert robots.allowed("https://h.fr/prive/ok") and not robots.allowed("https://h.fr/prive/non")
    assert robots.crawl_delay() == 2.0 and robots.sitemaps() == ["https://h.fr/s.xml"]
    assert parse_robots(404, b"").allowed("https://h.fr/prive/")
    assert not parse_robots(500, b"").allowed("https://h.fr/") and not parse_robots(None, b"").allowed("https://h.fr/")
    ours = parse_robots(200, b"User-agent: docsearch\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    assert not ours.allowed("https://h.fr/page")


def test_page_directives_links_and_feeds() -> None:
    html = (b'<html><head><meta name="robots" content="noindex"><link rel="canonical" href="/vraie">'
            b'<link rel="alternate" type="application/atom+xml" href="/flux.atom"></head><body>'
            b'<a href="/a#x">a</a><a href="/b" rel="nofollow">b</a><a href="http://h:99999/">c</a></body></html>')
    info = read_page(html, "http://h.fr/page")
    assert info.noindex and not info.nofollow and info.canonical == "http://h.fr/vraie"
    assert info.links == ["http://h.fr/a"] and info.feeds == ["http://h.fr/flux.atom"]
    assert read_page(b"<a href='/a'>a</a>", "http://h.fr/", "noindex, nofollow").links == []
    assert robots_directives("googlebot: noindex") == set() and robots_directives("docsearch: noindex") == {"noindex"}
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="http://h.fr/n1"/></entry></feed>'
    assert parse_feed(atom) == ["http://h.fr/n1"]
    index = parse_sitemap(b'<sitemapindex><sitemap><loc>http://h.fr/s1.xml.gz</loc></sitemap></sitemapindex>', 10_000)
    assert index.sitemaps == ["http://h.fr/s1.xml.gz"] and index.pages == []


def test_scope_is_the_host_with_or_without_www_and_the_patterns() -> None:
    from docsearch.corpus.crawl.frontier import Rules

    rules = Rules("http://cress.fr/", include=("/actualites/*", "*.pdf"), exclude=("*/agenda/*",))
    assert rules.in_scope("https://www.cress.fr/actualites/fete.html") and rules.in_scope("http://cress.fr/a/rapport.pdf")
    assert not rules.in_scope("https://cress.fr/a-propos.html") and not rules.in_scope("https://cress.fr/actualites/agenda/x")
    assert not rules.in_scope("https://autre.fr/actualites/x") and not rules.in_scope("https://www2.cress.fr/actualites/x")
    assert rules.in_scope("http://cress.fr/")  # the start, whatever the patterns
    assert not Rules("https://cress.fr/", prefix="/ressources/").in_scope("https://cress.fr/actualites/")


def test_corpus_places_are_plain_names_under_web_and_the_host() -> None:
    assert corpus_place("https://ess.fr/actualités/", ".html") == ("web/ess.fr/actualites", "index.html")
    assert corpus_place("https://ess.fr/", ".html") == ("web/ess.fr", "index.html")
    assert corpus_place("http://ess.fr:8080/docs/rapport.pdf", ".pdf") == ("web/ess.fr-8080/docs", "rapport.pdf")
    assert corpus_place("https://ess.fr/page.php?id=3", ".html") == ("web/ess.fr", "page-id-3.html")
    assert corpus_place("https://ess.fr/../../etc/passwd", ".html") == ("web/ess.fr/etc", "passwd.html")


def test_fetch_connects_to_the_checked_address_and_checks_every_redirect() -> None:
    """A redirect to a loopback address is refused when private addresses are;
    the connection goes to the address resolved once (Host stays the name)."""
    seen: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_once() -> None:
        connection, _ = listener.accept()
        with connection:
            seen.append(connection.recv(4096))
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    thread = threading.Thread(target=serve_once, daemon=True)
    thread.start()
    response = get(f"http://localhost:{port}/page", Limits(timeout=2, allow_private=True))
    thread.join(2)
    listener.close()
    assert response.status == 200 and response.data == b"ok"
    assert f"Host: localhost:{port}".encode() in seen[0] and b"User-Agent: docsearch/" in seen[0]
    with pytest.raises(FetchError, match="adresse locale ou privée"):
        get(f"http://127.0.0.1:{port}/", Limits(timeout=2))
    with pytest.raises(FetchError, match="adresse locale ou privée"):
        get("http://[::ffff:127.0.0.1]/", Limits(timeout=2))
    with pytest.raises(UserError, match="n'est pas une adresse web valide"):
        get("http://h:99999/", Limits(timeout=2))


def test_a_redirect_to_a_private_address_is_refused(site, monkeypatch) -> None:
    """In real life the first address is public; here the test site stands for
    it: its first hop is let through, every later one is checked as in production."""
    from docsearch.corpus import fetch as fetch_module

    site.redirects["/vers-metadonnees"] = "http://169.254.169.254/latest/meta-data/"
    hops: list[str] = []
    original = fetch_module.resolve

    def first_hop_allowed(url: str, host: str, port: int, allow_private: bool) -> list[str]:
        hops.append(url)
        return original(url, host, port, allow_private or len(hops) == 1)

    monkeypatch.setattr(fetch_module, "resolve", first_hop_allowed)
    with pytest.raises(FetchError, match="adresse locale ou privée"):
        get(f"{site.url}vers-metadonnees", Limits(timeout=2))
    assert hops == [f"{site.url}vers-metadonnees", "http://169.254.169.254/latest/meta-data/"]


def test_https_sends_the_name_in_sni_and_checks_the_certificate(tmp_path) -> None:
    """Connected to the address checked (127.0.0.1), TLS still names the host
    (SNI) and verifies its certificate: a self-signed one is refused in French."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False).sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    context.sni_callback = lambda _sock, server_name, _ctx: server_names.append(server_name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def handshake() -> None:
        connection, _ = listener.accept()
        try:
            with context.wrap_socket(connection, server_side=True):
                pass
        except (ssl.SSLError, OSError):  # the client refuses the certificate
            pass

    thread = threading.Thread(target=handshake, daemon=True)
    thread.start()
    with pytest.raises(FetchError, match="connexion sécurisée impossible"):
        get(f"https://localhost:{port}/", Limits(timeout=3, allow_private=True))
    thread.join(3)
    listener.close()
    assert server_names == ["localhost"]


def test_a_page_staff_withdrew_is_not_taken_back(tmp_path, site) -> None:
    settings = crawl_settings(tmp_path)
    assert run(settings, "crawl", site.url, "--quiet", "--max-depth", "1").exit_code == 0
    host = f"web/127.0.0.1-{site.port}"
    assert run(settings, "remove", f"{host}/a-propos.html").exit_code == 0
    again = run(settings, "crawl", site.url, "--quiet", "--max-depth", "1")
    assert again.exit_code == 0 and "retirée du fonds par l'équipe" in again.output
    assert not (settings.corpus_dir / host / "a-propos.html").exists()
    assert len(list((settings.corpus_dir / ".corbeille").rglob("a-propos.html"))) == 1
