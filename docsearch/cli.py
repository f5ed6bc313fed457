"""The ``docsearch`` command: index, add, crawl, remove, search, stats, serve.

Every command builds one ``Settings`` from ``--corpus``/``--index``/``--instance``
(before or after the subcommand; or ``DOCSEARCH_CORPUS``/``DOCSEARCH_INDEX``/
``DOCSEARCH_INSTANCE``) and passes it down. A user mistake prints one line
and exits with status 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from docsearch.config import Settings
from docsearch.errors import DocsearchError, UserError
from docsearch.staff.accounts import ROLES

# Each command imports what it uses, inside it: `docsearch add` and `docsearch
# search` start as processes, and importing the index, the search service and
# numpy for every command was 0.5 s of each (python -X importtime, 20,000 pages).
if TYPE_CHECKING:
    from docsearch.index.update import RunReport
    from docsearch.search.service import SearchResult


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DocsearchError as exc:
            click.echo(f"docsearch: {exc}", err=True)
            ctx.exit(2)
        except BrokenPipeError:  # `docsearch search … | head`
            sys.stderr.close()
            ctx.exit(0)
        except OSError as exc:  # a folder that cannot be written, a full disk…
            click.echo(f"docsearch: {exc.strerror or exc}: {exc.filename or ''}", err=True)
            ctx.exit(1)


_FOLDERS = (
    ("--corpus", "corpus_dir", "Corpus folder [DOCSEARCH_CORPUS, ./corpus]."),
    ("--index", "index_dir", "Index folder [DOCSEARCH_INDEX, ./index]."),
    ("--instance", "instance_dir", "Accounts, session secret, drafts, search log [DOCSEARCH_INSTANCE, ./instance]."),
)
F = TypeVar("F", bound=Callable[..., Any])


@click.group(cls=_Group)
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help=_FOLDERS[0][2])
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help=_FOLDERS[1][2])
@click.option("--instance", "instance_dir", type=click.Path(path_type=Path), help=_FOLDERS[2][2])
@click.pass_context
def cli(ctx: click.Context, corpus_dir: Path | None, index_dir: Path | None, instance_dir: Path | None) -> None:
    """docsearch: the search engine of an ESS documentation centre."""
    ctx.obj = Settings.from_env(corpus_dir=corpus_dir, index_dir=index_dir, instance_dir=instance_dir)


def _folders(command: F) -> F:
    """The folder options after the subcommand too (``docsearch index --corpus X``),
    as well as before it; given after, they win."""

    def override(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
        if value is not None:
            ctx.obj = replace(ctx.obj, **{str(param.name): value})

    for flag, name, help_text in reversed(_FOLDERS):
        command = click.option(flag, name, type=click.Path(path_type=Path), help=help_text, expose_value=False,
                               callback=override)(command)
    return command


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Build a fresh index beside the live one, then swap it in.")
@click.option("--fresh", is_flag=True,
              help="With --rebuild: write every record again, even if the live index already has them all.")
@click.option("--retry-failed", is_flag=True, help="Try again the files that failed before.")
@click.option("--quiet", "-q", is_flag=True, help="Only print the summary.")
@_folders
@click.pass_obj
def index_cmd(settings: Settings, rebuild: bool, fresh: bool, retry_failed: bool, quiet: bool) -> None:
    """Bring the index in line with the corpus (incremental unless --rebuild)."""
    from docsearch.index.update import update_index

    with _ProgressBar(enabled=not quiet and sys.stderr.isatty()) as progress:
        report = update_index(settings, rebuild=rebuild or fresh, retry_failed=retry_failed, progress=progress, fresh=fresh,
                              on_wait=lambda: click.echo("waiting for another docsearch process to finish writing…", err=True))
    _print_report(report)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--title", help="Title of the document.")
@click.option("--sector", "sectors", multiple=True, help="Sector (code or label); repeat for several.")
@click.option("--year", type=click.IntRange(1900, 2100), help="Year of the document.")
@click.option("--type", "doctype", help="Document type (code or label).")
@click.option("--summary", help="A short summary.")
@click.option("--organisation", help="Organisation that published it.")
@click.option("--territory", help="Territory it covers.")
@click.option("--author", "authors", multiple=True, help="An author (\"BOUVIER, Maelle\"); repeat for several.")
@click.option("--keyword", "keywords", multiple=True, help="A keyword (free, or a term of the thesaurus); repeat for several.")
@click.option("--cote", help="Call number.")
@click.option("--to", "folder", help="Sub-folder of the corpus to put it in.")
@_folders
@click.pass_obj
def add(settings: Settings, sources: tuple[str, ...], title: str | None, sectors: tuple[str, ...], year: int | None,
        doctype: str | None, summary: str | None, organisation: str | None, territory: str | None,
        authors: tuple[str, ...], keywords: tuple[str, ...], cote: str | None, folder: str | None) -> None:
    """Copy files (or fetch web pages) into the corpus with their metadata, and index them."""
    from docsearch.catalogue.staff import StaffMetadata
    from docsearch.index.learning import learn_later
    from docsearch.staff.ingest import add_file, add_url

    staff = StaffMetadata(title=title or "", sectors=sectors, year=year, doctype=doctype or "", summary=summary or "",
                          organisation=organisation or "", territory=territory or "", authors=authors,
                          keywords=keywords, cote=cote or "")
    learn = False
    try:
        for source in sources:
            if "://" in source:  # an address; add_url refuses any scheme but http and https
                added = add_url(settings, source, staff, folder, learn=False)
            else:
                added = add_file(settings, Path(source), staff, folder, learn=False)
            learn = learn or added.learn
            _journal(settings).record(_cli_user(), "publish", added.relpath, title=added.title, note="ligne de commande")
            click.echo(f"added {added.relpath} (document {added.doc_id}): {added.title}")
    finally:
        if learn:  # after the answer, in a process of its own (index/learning.py)
            learn_later(settings)


@cli.command()
@_folders
@click.pass_obj
def learn(settings: Settings) -> None:
    """Train the classifier of staff-confirmed records again if they changed (add and remove start it)."""
    from docsearch.index.learning import learn as learn_now

    model = learn_now(settings)
    click.echo(f"classifier trained on {model.records} confirmed records" if model
               else "no classifier: too few confirmed records")


class _CliJournal:
    """The journal, from the command line: a change already made in the corpus
    is not failed afterwards because its journal entry could not be written."""

    def __init__(self, settings: Settings) -> None:
        from docsearch.staff.journal import Journal

        self.journal = Journal(settings.instance_dir)

    def record(self, *args: Any, **kwargs: Any) -> None:
        import sqlite3

        try:
            self.journal.record(*args, **kwargs)
        except (OSError, sqlite3.Error) as exc:
            click.echo(f"docsearch: journal non écrit ({exc})", err=True)


def _journal(settings: Settings) -> _CliJournal:
    return _CliJournal(settings)


def _cli_user() -> str:
    """Who changed the corpus from the command line, for the journal: the system account."""
    import getpass

    try:
        return f"{getpass.getuser()} (ligne de commande)"
    except (KeyError, OSError):
        return "ligne de commande"


@cli.command()
@click.argument("url")
@click.option("--max-pages", type=click.IntRange(1, 100_000), help="Pages to fetch at most [DOCSEARCH_CRAWL_MAX_PAGES, 500].")
@click.option("--max-depth", type=click.IntRange(0, 100), help="Links away from the start address [DOCSEARCH_CRAWL_MAX_DEPTH, 5].")
@click.option("--include", multiple=True, metavar="PATTERN", help="Only paths matching this pattern (/actualites/*); repeatable.")
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Never paths matching this pattern (*/agenda/*); repeatable.")
@click.option("--prefix", default="", metavar="PATH", help="Only addresses under this path of the site (/ressources/).")
@click.option("--quiet", is_flag=True, help="No line per address fetched.")
@_folders
@click.pass_obj
def crawl(settings: Settings, url: str, max_pages: int | None, max_depth: int | None, include: tuple[str, ...],
          exclude: tuple[str, ...], prefix: str, quiet: bool) -> None:
    """Crawl a web site into the corpus (web/<host>/...) and index what is new or changed.

    Follows robots.txt, sitemaps and feeds; a second crawl sends conditional
    requests, re-indexes changed pages and moves pages gone twice (404/410)
    to the trash."""
    from docsearch.corpus.crawl.frontier import Rules
    from docsearch.staff.crawl import crawl as crawl_site

    rules = Rules(url.strip(), max_pages or settings.crawl_max_pages,
                  settings.crawl_max_depth if max_depth is None else max_depth, include, exclude, prefix)
    report = crawl_site(settings, rules, progress=None if quiet else (lambda fetched: click.echo(f"  {fetched}", err=True)))
    _print_crawl(report)
    if report.unreachable:
        sys.exit(1)


@cli.command()
@click.argument("refs", nargs=-1, required=True)
@_folders
@click.pass_obj
def remove(settings: Settings, refs: tuple[str, ...]) -> None:
    """Move documents (ids or paths) to the corpus trash and drop them from the index."""
    from docsearch.index.learning import learn_later
    from docsearch.staff.ingest import remove_documents

    report = remove_documents(settings, list(refs), learn=False)
    if report.learn:
        learn_later(settings)
    for relpath in report.removed:
        _journal(settings).record(_cli_user(), "withdraw", relpath, note="ligne de commande")
        click.echo(f"removed {relpath} (moved to the trash .corbeille/)")


# "-sport" in a query is an exclusion, not an option.
@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, type=click.UNPROCESSED)
@click.option("--sector", "sectors", multiple=True, help="Only these sectors (OR); repeat for several.")
@click.option("--type", "types", multiple=True, help="Only these document types (OR).")
@click.option("--year", type=int, help="Only this year.")
@click.option("--from", "year_from", type=int, help="From this year.")
@click.option("--to", "year_to", type=int, help="Up to this year.")
@click.option("--sort", type=click.Choice(["relevance", "date", "added"]), default="relevance", show_default=True,
              help="relevance; date: year of the document; added: newest in the corpus.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--as-typed", is_flag=True, help="Search the words as typed: a word the index lacks is not corrected.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the web API's structure).")
@_folders
@click.pass_obj
def search(settings: Settings, query: tuple[str, ...], sectors: tuple[str, ...], types: tuple[str, ...], year: int | None,
           year_from: int | None, year_to: int | None, sort: str, page: int, per_page: int, as_typed: bool,
           as_json: bool) -> None:
    """Search the index: words, "phrases", AND/OR/NOT, titre:, secteur:, annee:, type:, prefix*."""
    if year is not None and (year_from is not None or year_to is not None):
        raise click.UsageError("--year cannot be combined with --from/--to")
    from docsearch.search.service import SearchRequest, SearchService

    request = SearchRequest(q=" ".join(query), sectors=sectors, types=types, year=year, year_from=year_from,
                            year_to=year_to, sort=sort, page=page, per_page=per_page, as_typed=as_typed)
    result = SearchService(settings).search(request)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_result(result)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@_folders
@click.pass_obj
def stats(settings: Settings, as_json: bool) -> None:
    """Documents per sector/year/type, failures, metadata to check, index size."""
    from docsearch.search.service import SearchService
    from docsearch.search.stats import collect_stats

    data = collect_stats(SearchService(settings))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_stats(data)


@cli.command("export")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write every published record as CSV (UTF-8 with BOM, ';'); '-' for the standard output.")
@click.option("--dc", "dc_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the catalogue as Dublin Core XML.")
@_folders
@click.pass_obj
def export_cmd(settings: Settings, csv_file: Path | None, dc_file: Path | None) -> None:
    """Hand the catalogue out: CSV (for a spreadsheet or another catalogue), Dublin Core XML."""
    from docsearch.catalogue.exchange import to_csv
    from docsearch.corpus.atomic import write_atomic
    from docsearch.errors import UserError
    from docsearch.search.service import SearchService
    from docsearch.staff.exchange import catalogue_records
    from docsearch.web.dublincore import catalogue_xml

    if csv_file is None and dc_file is None:
        raise UserError("dites quoi exporter : --csv FICHIER et/ou --dc FICHIER")
    service = SearchService(settings)
    records = catalogue_records(settings, service)
    if csv_file is not None:
        data = to_csv(records).encode("utf-8")
        if str(csv_file) == "-":
            sys.stdout.buffer.write(data)
        else:
            write_atomic(csv_file, data)
            click.echo(f"{len(records)} notices exportées dans {csv_file}", err=True)
    if dc_file is not None:
        base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        write_atomic(dc_file, catalogue_xml(((r, f"{base}/documents/{r.id}") for r in records), service.vocab))
        click.echo(f"{len(records)} notices exportées en Dublin Core dans {dc_file}", err=True)


@cli.command("import")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=True,
              help="A CSV of metadata: rows matched to files by their 'chemin', 'sha256' or 'id' column.")
@click.option("--dry-run", is_flag=True, help="Only show what would change, field by field.")
@_folders
@click.pass_obj
def import_cmd(settings: Settings, csv_file: Path, dry_run: bool) -> None:
    """Bring metadata in from a CSV (another catalogue, a spreadsheet): written into the sidecars, then indexed."""
    from docsearch.index.update import update_index
    from docsearch.search.service import SearchService
    from docsearch.staff.exchange import plan_catalogue_import, write_import

    service = SearchService(settings)
    if csv_file.stat().st_size > settings.max_import_bytes:
        from docsearch.errors import UserError

        raise UserError(f"{csv_file} : plus de {settings.max_import_mb} Mo")
    plan = plan_catalogue_import(settings, service, csv_file.read_bytes())
    for note in plan.notes:
        click.echo(note)
    for row in plan.refused:
        click.echo(f"ligne {row.line}{f' ({row.key})' if row.key else ''} : non importée : {' ; '.join(row.errors)}")
    for row in plan.changing:
        for change in row.changes:
            click.echo(f"ligne {row.line} {row.relpath} : {change.label} : « {change.old or '—'} » → « {change.new} »")
    if dry_run:
        click.echo(f"{plan.summary()} (essai : rien n'est écrit)")
        return
    written = write_import(settings, plan, _cli_user())
    if written:
        update_index(settings, only=written)
    click.echo(plan.summary(done=True))
    if plan.refused:
        sys.exit(1)


@cli.group()
@_folders
def users() -> None:
    """Comptes du personnel pour l'interface web (gardés dans le dossier de l'instance)."""


def _accounts(settings: Settings) -> Any:
    from docsearch.staff.accounts import Accounts

    return Accounts(settings.instance_dir)


_ROLE_CHOICE = click.Choice(list(ROLES))


@users.command("add")
@click.argument("name")
@click.option("--role", type=_ROLE_CHOICE, default=None,
              help="contributeur (dépose des brouillons), documentaliste (tout le travail sur les documents), "
                   "administrateur (comptes, réglages) [administrateur pour le premier compte, sinon documentaliste].")
@click.password_option("--password", prompt="Mot de passe", confirmation_prompt="Confirmez le mot de passe")
@_folders
@click.pass_obj
def users_add(settings: Settings, name: str, role: str | None, password: str) -> None:
    """Crée un compte (le mot de passe est demandé deux fois et jamais affiché)."""
    accounts = _accounts(settings)
    accounts.add(name, password, role)
    click.echo(f"compte {name} créé (rôle : {accounts.role(name)})")


@users.command("role")
@click.argument("name")
@click.argument("role", type=_ROLE_CHOICE, required=False)
@_folders
@click.pass_obj
def users_role(settings: Settings, name: str, role: str | None) -> None:
    """Affiche le rôle d'un compte, ou le change."""
    accounts = _accounts(settings)
    if role:
        before = accounts.role(name)
        accounts.set_role(name, role)
        _journal(settings).record(_cli_user(), "role", "", {"role": (before, role)}, title=name)
        click.echo(f"rôle de {name} : {role}")
    else:
        found = accounts.role(name)
        if found is None:
            raise UserError(f"aucun compte nommé {name!r}")
        click.echo(found)


@users.command("list")
@_folders
@click.pass_obj
def users_list(settings: Settings) -> None:
    """Liste les comptes."""
    for name in _accounts(settings).names():
        click.echo(name)


@users.command("passwd")
@click.argument("name")
@click.password_option("--password", prompt="Nouveau mot de passe", confirmation_prompt="Confirmez le mot de passe")
@_folders
@click.pass_obj
def users_passwd(settings: Settings, name: str, password: str) -> None:
    """Change le mot de passe d'un compte."""
    _accounts(settings).set_password(name, password)
    click.echo(f"mot de passe de {name} changé")


@users.command("remove")
@click.argument("name")
@_folders
@click.pass_obj
def users_remove(settings: Settings, name: str) -> None:
    """Supprime un compte."""
    _accounts(settings).remove(name)
    click.echo(f"compte {name} supprimé")


@cli.command()
@click.option("--host", help="Address to listen on [127.0.0.1].")
@click.option("--port", type=int, help="Port [8000].")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes (one per core serves more visitors at once).")
@click.option("--root-path", default="", metavar="PREFIX",
              help="Path prefix the site is served under behind a proxy that removes it (/docs): every link carries it.")
@_folders
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int, root_path: str) -> None:
    """Serve the search interface over HTTP.

    Behind a reverse proxy, name it in DOCSEARCH_TRUSTED_PROXIES (its address,
    comma-separated for several): only then are X-Forwarded-For and
    X-Forwarded-Proto believed. No access log: it would keep visitors'
    addresses beside their searches."""
    import os

    import uvicorn

    from docsearch.search.shared_results import SharedResults
    from docsearch.web.app import create_app
    from docsearch.web.asgi import NoDelayHTTP
    from docsearch.web.security import session_secret

    host, port = host or settings.host, port or settings.port
    root_path = "/" + root_path.strip("/") if root_path.strip("/") else ""
    # X-Forwarded-For/-Proto only from the proxies the settings name: uvicorn
    # would otherwise believe them from 127.0.0.1, and anyone reaching the
    # server there could pick the address the sign-in throttle counts.
    proxies = settings.trusted_proxies.strip()
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False, http=NoDelayHTTP,
                    root_path=root_path, proxy_headers=bool(proxies), forwarded_allow_ips=proxies)
        return
    session_secret(settings.instance_dir)  # made once, before the workers share it
    SharedResults.in_instance(settings.instance_dir).clear()  # pages of another version of the code are no pages
    for name in ("corpus_dir", "index_dir", "instance_dir"):
        os.environ[f"DOCSEARCH_{name.upper()}"] = str(getattr(settings, name).resolve())
    uvicorn.run("docsearch.web.asgi:app", factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=False, http=NoDelayHTTP, root_path=root_path, proxy_headers=bool(proxies), forwarded_allow_ips=proxies)


def main() -> None:
    cli(prog_name="docsearch")


# Output ----------------------------------------------------------------


class _ProgressBar:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.ocr = OcrProgress(0, time.monotonic())

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.render_finish()

    def start(self, total: int) -> None:
        if self.enabled and total:
            self.bar = click.progressbar(length=total, label="Indexing", file=sys.stderr, show_pos=True)
            self.bar.render_progress()

    def advance(self, relpath: str) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def recognising(self, pages: int) -> None:
        self.ocr = OcrProgress(pages, time.monotonic())
        if self.bar is not None:
            self.bar.show_eta = False  # its estimate counts files, which scans make wrong: the label tells
        self._relabel()

    def recognised(self, pages: int) -> None:
        self.ocr.done += pages
        self._relabel()

    def _relabel(self) -> None:
        if self.bar is not None:
            self.bar.label = f"Indexing; OCR {self.ocr.line(time.monotonic())}"
            self.bar.render_progress()


@dataclass
class OcrProgress:
    """Pages recognised of those to recognise, since ``started``."""

    total: int
    started: float
    done: int = 0

    def line(self, now: float) -> str:
        """ "12/40 pages, 0.74 pages/s, 38 s left"."""
        elapsed = now - self.started
        rate = self.done / elapsed if self.done and elapsed > 0 else 0.0
        left = f", {_duration((self.total - self.done) / rate)} left" if rate else ""
        return f"{self.done}/{self.total} pages, {rate:.2f} pages/s{left}"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _print_report(report: RunReport) -> None:
    for note in report.notes:
        click.echo(f"note: {note}")
    before = f" ({len(report.failed_before)} unchanged since they failed)" if report.failed_before else ""
    click.echo(
        f"indexed {len(report.indexed)}, unchanged {report.unchanged}, removed {len(report.removed)}, "
        f"failed {len(report.failed)}{before} in {report.elapsed:.1f} s; "
        f"the index holds {report.documents} documents, {report.pages} pages"
    )
    if report.recognised_pages:
        rate = report.recognised_pages / report.ocr_seconds if report.ocr_seconds else 0.0
        click.echo(f"recognised (OCR): {report.recognised_pages} pages after the born-digital files, "
                   f"{report.ocr_seconds:.1f} s, {rate:.2f} pages/s")
    if report.failed:
        click.echo("failed files (skipped):")
        for relpath, (reason, detail) in sorted(report.failed.items()):
            kept = " [previous version kept]" if relpath in report.kept else ""
            click.echo(f"  {relpath}: {reason} ({detail}){kept}")
    if report.warnings:
        click.echo("metadata warnings:")
        for relpath, warnings in sorted(report.warnings.items()):
            for warning in warnings:
                click.echo(f"  {relpath}: {warning}")


def _print_crawl(report: Any) -> None:
    """A crawl's report, in French like the "Sites suivis" page."""
    if report.unreachable:
        click.echo(f"{report.start_url} : {report.unreachable}")
        return
    click.echo(f"{report.start_url} : {report.found} adresses trouvées, {len(report.new)} nouvelles, "
               f"{len(report.changed)} modifiées, {len(report.unchanged)} inchangées, {len(report.gone)} disparues "
               f"({len(report.trashed)} mises à la corbeille), {len(report.failed)} en échec, {len(report.skipped)} écartées")
    for title, urls in (("nouvelles", report.new), ("modifiées", report.changed), ("disparues", report.gone),
                        ("à la corbeille", report.trashed)):
        for url in urls:
            click.echo(f"  {title} : {url}")
    for url, reason in report.failed:
        click.echo(f"  échec : {url} : {reason}")
    for url, reason in report.skipped:
        click.echo(f"  écartée : {url} : {reason}")


def _print_result(result: SearchResult) -> None:
    if result.note:
        click.echo(f"note: {result.note}")
    if result.corrected:
        click.echo(f"searched as: {result.corrected} (--as-typed: {result.query} as typed)")
    elif result.suggestion:
        click.echo(f"did you mean: {result.suggestion}")
    first = (result.page - 1) * result.per_page
    click.echo(f"{result.total} document(s); page {result.page}/{result.page_count}")
    for rank, hit in enumerate(result.hits, start=first + 1):
        sectors = ", ".join(s.label for s in hit.sectors)
        click.echo(f"\n{rank}. {hit.title}  [{hit.type.label}, {hit.year or 'année inconnue'}, {sectors}]")
        click.echo(f"   {hit.source}  (id {hit.id})")
        if hit.pages:
            click.echo(f"   pages: {', '.join(map(str, hit.pages[:30]))}{' …' if len(hit.pages) > 30 else ''}")
        for snippet in hit.snippets[:2]:
            where = f"p. {snippet.page}: " if snippet.page else ""
            click.echo(f"   {where}{_plain(snippet.html)}")


def _plain(html: str) -> str:
    """A snippet for the terminal: matched words in brackets, entities decoded."""
    import html as html_lib
    import re

    text = re.sub(r"<mark[^>]*>(.*?)</mark>", r"[\1]", html)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", text))


def _print_stats(data: dict[str, Any]) -> None:
    click.echo(f"{data['documents']} documents, {data['pages']} pages; "
               f"index {data['index_bytes'] / 1e6:.1f} MB; last update {data['updated']}")
    titles = {"sectors": "by sector", "types": "by type", "years": "by year", "languages": "by language",
              "keywords": "by keyword"}
    for facet, values in data["facets"].items():
        click.echo(f"\n{titles[facet]}:")
        for value in values:
            click.echo(f"  {value['count']:5d}  {value['label']}")
    click.echo(f"\nfailed files: {len(data['failures'])}")
    for failure in data["failures"]:
        click.echo(f"  {failure['relpath']}: {failure['reason']} ({failure['detail']})")
    click.echo(f"\nmetadata to check: {len(data['to_check'])}")
    for doc in data["to_check"]:
        click.echo(f"  {doc['relpath']}: {'; '.join(doc['fields'])}")
