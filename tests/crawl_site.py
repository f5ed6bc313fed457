"""A small web site served on 127.0.0.1 for the crawler's tests.

It has what the crawler must handle: robots.txt with wildcard rules and a
crawl delay, a sitemap index pointing at a gzip sitemap, an RSS feed,
redirects (one to another host name, ``localhost``), a redirect loop,
404/410 pages (and one answering 404 only once), a slow page and a huge one, ETag/Last-Modified with 304, a
``nofollow`` page and link, a ``noindex`` page and an ``X-Robots-Tag: noindex`` PDF, a canonical link, a
tracking-parameter link, and a PDF and a DOCX linked from a page.
``pages`` can be changed between crawls; every request is logged as
(host, path) so a test can assert what was never requested.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"
LAST_MODIFIED = "Tue, 01 Dec 2026 08:00:00 GMT"


def page(title: str, body: str, head: str = "") -> bytes:
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f'<body><nav><a href="/">Accueil</a> <a href="/actualites/">Actualités</a></nav>'
            f"<main><h1>{title}</h1>{body}</main><footer>Mentions légales du réseau</footer></body></html>").encode()


@dataclass
class Site:
    port: int = 0
    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)  # path → (status, content type, body)
    redirects: dict[str, str] = field(default_factory=dict)  # path → Location (port filled in)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (host header, path with query, If-None-Match)
    answered: list[tuple[str, int]] = field(default_factory=list)  # (path, status)
    slow: float = 2.0
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # path → extra response headers
    flaky: set[str] = field(default_factory=set)  # paths answering 404 once (a deploy), then as before
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def requested(self, path: str) -> bool:
        return any(p == path for _, p, _ in self.requests)

    def statuses(self, path: str) -> list[int]:
        return [status for p, status in self.answered if p == path]

    def html(self, path: str, title: str, body: str, head: str = "") -> None:
        self.pages[path] = (200, "text/html; charset=utf-8", page(title, body, head))


def build(site: Site) -> None:
    """The first state of the site."""
    base = site.url.rstrip("/")
    site.pages["/robots.txt"] = (200, "text/plain", (
        "User-agent: *\n"
        "Disallow: /prive/\n"
        "Allow: /prive/public.html\n"
        "Disallow: /*?imprimer=\n"
        "Disallow: /*.bak$\n"
        "Crawl-delay: 30\n"  # capped by crawl_delay_max, or the test would take minutes
        f"Sitemap: {base}/sitemaps/index.xml\n").encode())
    site.pages["/sitemaps/index.xml"] = (200, "application/xml", (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemaps/pages.xml.gz</loc></sitemap></sitemapindex>").encode())
    site.pages["/sitemaps/pages.xml.gz"] = (200, "application/gzip", gzip.compress((
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/</loc></url><url><loc>{base}/plan-seulement.html</loc></url></urlset>").encode()))
    site.pages["/flux.rss"] = (200, "application/rss+xml", (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Actualités</title>'
        f"<item><title>Fête de l'ESS</title><link>{base}/actualites/fete-ess.html</link></item></channel></rss>").encode())
    site.html("/", "Réseau ESS du Bocage", (
        '<p>Le réseau rassemble les acteurs de l\'économie sociale et solidaire du Bocage.</p><ul>'
        '<li><a href="/a-propos.html?utm_source=menu#haut">Qui sommes-nous</a></li>'
        '<li><a href="/prive/secret.html">Espace privé</a></li>'
        '<li><a href="/prive/public.html">Annuaire public</a></li>'
        '<li><a href="/fiche.html?imprimer=1">Version imprimable</a></li>'
        '<li><a href="/sauvegarde.bak">Sauvegarde</a></li>'
        '<li><a href="/ancienne-adresse">Ancienne adresse</a></li>'
        '<li><a href="/partenaire">Partenaire</a></li>'
        '<li><a href="/boucle-a">Boucle</a></li>'
        '<li><a href="/disparaitra.html">Chantier d\'insertion</a></li>'
        '<li><a href="/supprimee.html">Épicerie solidaire</a></li>'
        '<li><a href="/jamais.html">Lien cassé</a></li>'
        '<li><a href="/lente.html">Page lente</a></li>'
        '<li><a href="/enorme.html">Page énorme</a></li>'
        '<li><a href="/sans-suite.html">Sans suite</a></li>'
        '<li><a href="/lien-nofollow.html" rel="nofollow">Publicité</a></li>'
        '<li><a href="/brouillon.html">Brouillon</a></li>'
        '<li><a href="/fiche.html?version=imprimable">Fiche (autre adresse)</a></li>'
        '<li><a href="/annuaire-copie.html">Annuaire (copie)</a></li>'
        '<li><a href="mailto:contact@example.org">Écrire</a> <a href="http://h:99999/">Adresse cassée</a></li>'
        "</ul>"), head='<link rel="alternate" type="application/rss+xml" href="/flux.rss">')
    site.html("/a-propos.html", "Qui sommes-nous", (
        "<p>L'association fédère quarante structures : recycleries, coopératives d'activité, mutuelles.</p>"
        '<p><a href="/documents/rapport-2025.pdf">Rapport d\'activité</a> — '
        '<a href="/documents/compte-rendu.docx">Compte rendu</a> — '
        '<a href="/documents/interne.pdf">Note interne</a></p>'))
    site.pages["/documents/interne.pdf"] = (200, "application/pdf", (DATA / "owner-only.pdf").read_bytes())
    site.headers["/documents/interne.pdf"] = {"X-Robots-Tag": "noindex, nofollow"}
    site.html("/prive/public.html", "Annuaire public", "<p>L'annuaire des structures adhérentes du réseau bocager.</p>")
    site.pages["/annuaire-copie.html"] = site.pages["/prive/public.html"]  # the same bytes under another address
    site.html("/plan-seulement.html", "Plan du site seulement", "<p>La charte des valeurs, listée par le plan du site.</p>")
    site.html("/actualites/", "Actualités", "<p>Les nouvelles du réseau, chaque semaine.</p>")
    site.html("/actualites/fete-ess.html", "Fête de l'ESS", "<p>La fête de l'économie sociale revient à Vire en juin.</p>")
    site.html("/nouvelle-adresse.html", "Nouvelle adresse", "<p>Le tiers-lieu a déménagé place du marché.</p>")
    site.html("/disparaitra.html", "Chantier d'insertion", "<p>Le chantier d'insertion maraîcher recrute des encadrants.</p>")
    site.html("/supprimee.html", "Épicerie solidaire", "<p>L'épicerie solidaire ouvre le mardi et le jeudi.</p>")
    site.html("/sans-suite.html", "Sans suite", '<p>Une page qui ne veut pas être suivie.</p><a href="/cachee.html">Cachée</a>',
              head='<meta name="robots" content="nofollow">')
    site.html("/brouillon.html", "Brouillon", '<p>Un brouillon qui ne doit pas être indexé.</p><a href="/via-brouillon.html">Suite</a>',
              head='<meta name="robots" content="noindex">')
    site.html("/via-brouillon.html", "Via le brouillon", "<p>Une page atteinte par un lien d'une page non indexée.</p>")
    site.html("/fiche.html", "Fiche pratique", "<p>Créer une SCIC : les étapes, les statuts, le capital.</p>",
              head=f'<link rel="canonical" href="{base}/fiche.html">')
    site.pages["/fiche.html?version=imprimable"] = (200, "text/html; charset=utf-8", page(
        "Fiche pratique (imprimable)", "<p>Créer une SCIC : les étapes, les statuts, le capital. Imprimable.</p>",
        head=f'<link rel="canonical" href="{base}/fiche.html">'))
    site.pages["/lente.html"] = (200, "text/html", page("Lente", "<p>Trop lente.</p>"))
    site.pages["/enorme.html"] = (200, "text/html", page("Énorme", "<p>" + "énorme " * 300_000 + "</p>"))
    site.pages["/documents/rapport-2025.pdf"] = (200, "application/pdf", (DATA / "good-report.pdf").read_bytes())
    site.pages["/documents/compte-rendu.docx"] = (
        200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (DATA / "office" / "rapport.docx").read_bytes())
    site.redirects.update({"/ancienne-adresse": "/nouvelle-adresse.html", "/partenaire": "http://localhost:{port}/ailleurs.html",
                           "/boucle-a": "/boucle-b", "/boucle-b": "/boucle-a"})
    site.pages["/ailleurs.html"] = (200, "text/html", page("Ailleurs", "<p>Un autre site.</p>"))


def change(site: Site) -> None:
    """The second state: one page changed, one new, two gone (404 and 410), one missing for a moment."""
    status, kind, home = site.pages["/"]
    site.pages["/"] = (status, kind, home.replace(b"</ul>", b'<li><a href="/nouveau.html">Nouveau</a></li></ul>'))
    site.html("/a-propos.html", "Qui sommes-nous", (
        "<p>L'association fédère désormais cinquante structures, dont trois sociétés coopératives.</p>"
        '<p><a href="/documents/rapport-2025.pdf">Rapport d\'activité</a> — '
        '<a href="/documents/compte-rendu.docx">Compte rendu</a></p>'))
    site.html("/nouveau.html", "Nouveau", "<p>Une monnaie locale complémentaire pour le Bocage.</p>")
    site.pages["/disparaitra.html"] = (404, "text/html", page("Introuvable", "<p>Page introuvable</p>"))
    site.pages["/supprimee.html"] = (410, "text/html", page("Supprimée", "<p>Page supprimée</p>"))
    site.flaky.add("/plan-seulement.html")


class _Handler(http.server.BaseHTTPRequestHandler):
    site: Site

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        site = self.site
        with site.lock:
            site.requests.append((self.headers.get("Host", ""), self.path, self.headers.get("If-None-Match", "")))
        if self.path in site.redirects:
            self._answer(301, "text/plain", b"", {"Location": site.redirects[self.path].format(port=site.port)})
            return
        status, kind, body = site.pages.get(self.path, (404, "text/html", page("Introuvable", "<p>Rien ici.</p>")))
        if self.path in site.flaky:
            site.flaky.discard(self.path)
            status, kind, body = 404, "text/html", page("Introuvable", "<p>Maintenance en cours.</p>")
        if self.headers.get("Host", "").startswith("localhost") and self.path != "/ailleurs.html":
            status, kind, body = 404, "text/html", b""
        if self.path == "/lente.html":
            time.sleep(site.slow)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, **site.headers.get(self.path, {})}
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self._answer(304, kind, b"", headers)
            return
        if self.path == "/enorme.html":
            headers = {}  # no Content-Length: the cap is on the bytes read
        self._answer(status, kind, body, headers, length=self.path != "/enorme.html")

    def _answer(self, status: int, kind: str, body: bytes, headers: dict[str, str], length: bool = True) -> None:
        with self.site.lock:
            self.site.answered.append((self.path, status))
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            for name, value in headers.items():
                self.send_header(name, value)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the crawler stopped reading (a cap)
            pass


def serve(site: Site) -> http.server.ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"site": site})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
