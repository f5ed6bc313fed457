"""OAI-PMH 2.0 at ``/oai``: library networks and portals harvest the catalogue.

Every verb (Identify, ListMetadataFormats, ListSets, ListIdentifiers,
ListRecords, GetRecord), one metadata format (``oai_dc``), sets = the
sectors of the vocabulary (setSpec = the sector's code). ``answer`` turns
the request's arguments and the catalogue into the response document;
the route only reads the arguments (GET or POST) and sends it.

- Identifiers: ``oai:<host>:<document id>``, host from ``DOCSEARCH_PUBLIC_URL``
  when set (else the request's), so they stay the same behind a proxy.
- Datestamps: the file or its sidecar, whichever changed last, in UTC at
  seconds granularity; ``from``/``until`` take days or seconds.
- Withdrawn documents (in the corpus trash) are ``<header status="deleted">``,
  dated by their withdrawal. ``deletedRecord`` is *transient*: the trash is
  a folder staff may empty, after which a deletion is no longer reported.
  A deleted record's sectors are not known any more: it is listed in every
  set of the vocabulary, which costs a harvester nothing (it ignores an id
  it never had) and lets one harvesting a single sector see its deletions.
- Resumption tokens are stateless: the list's arguments and the offset,
  in URL-safe base64 JSON; lists are in the order of the ids, so a page
  follows the previous one. ``Settings.oai_page_size`` records per page.
- Errors are those of the specification (badVerb, badArgument,
  badResumptionToken, cannotDisseminateFormat, idDoesNotExist,
  noRecordsMatch); for badVerb and badArgument the ``<request>`` element
  carries no attribute, as section 3.6 requires.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docsearch.catalogue.exchange import CatalogueRecord
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.staff.exchange import Withdrawn
from docsearch.web.dublincore import OAI_DC, OAI_DC_SCHEMA, XSI, dc_element, to_bytes
from docsearch.web.render import xml_safe

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
EARLIEST_WHEN_EMPTY = "1970-01-01T00:00:00Z"
# verb → (required arguments, optional ones); "resumptionToken" is exclusive.
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
}
FORMATS = {"oai_dc": (OAI_DC_SCHEMA, OAI_DC)}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


@dataclass(frozen=True)
class Repository:
    """What the answer needs beside the request."""

    name: str
    base_url: str
    admin_email: str
    host: str  # in identifiers: oai:<host>:<id>
    records: Sequence[CatalogueRecord]
    withdrawn: Sequence[Withdrawn]
    vocab: Vocabulary
    page_size: int
    page_url: Callable[[str], str]  # document id → the absolute address of its page (dc:identifier)


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class _Item:
    id: str
    datestamp: str
    record: CatalogueRecord | None  # None: withdrawn


def answer(args: list[tuple[str, str]], repo: Repository, now: dt.datetime | None = None) -> bytes:
    """The response document to a request with these arguments (in the order sent)."""
    # The protocol's elements are in the default namespace, declared by hand:
    # ElementTree only writes one of its own registry, which is global.
    root = ET.Element("OAI-PMH", {"xmlns": OAI, f"{{{XSI}}}schemaLocation": f"{OAI} {OAI_SCHEMA}"})
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    ET.SubElement(root, "responseDate").text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    request = ET.SubElement(root, "request")
    request.text = repo.base_url
    try:
        verb, values = _checked(args)
        for name, value in [("verb", verb), *sorted(values.items())]:
            request.set(name, xml_safe(value))
        root.append(_VERB_HANDLERS[verb](values, repo))
    except OaiError as exc:
        if exc.code in ("badVerb", "badArgument"):
            request.attrib.clear()
        error = ET.SubElement(root, "error", {"code": exc.code})
        error.text = exc.message
    return to_bytes(root)


def _checked(args: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    verbs = [v for k, v in args if k == "verb"]
    if len(verbs) != 1:
        raise OaiError("badVerb", "Argument « verb » absent ou répété." if not verbs else "Argument « verb » répété.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"Verbe inconnu : « {xml_safe(verb)[:60]} ».")
    required, optional = VERBS[verb]
    values: dict[str, str] = {}
    for name, value in args:
        if name == "verb":
            continue
        if name not in required | optional:
            raise OaiError("badArgument", f"Argument inconnu pour {verb} : « {xml_safe(name)[:60]} ».")
        if name in values:
            raise OaiError("badArgument", f"Argument répété : « {name} ».")
        values[name] = value
    if "resumptionToken" in values:
        if len(values) > 1:
            raise OaiError("badArgument", "« resumptionToken » s'emploie seul, sans autre argument que « verb ».")
    elif missing := sorted(required - values.keys()):
        raise OaiError("badArgument", f"Argument obligatoire absent : {', '.join(missing)}.")
    return verb, values


# Verbs --------------------------------------------------------------------


def _identify(values: dict[str, str], repo: Repository) -> ET.Element:
    element = ET.Element("Identify")
    stamps = [r.changed for r in repo.records] + [w.when for w in repo.withdrawn]
    for name, text in (("repositoryName", repo.name), ("baseURL", repo.base_url), ("protocolVersion", "2.0"),
                       ("adminEmail", repo.admin_email), ("earliestDatestamp", min(stamps, default=EARLIEST_WHEN_EMPTY)),
                       ("deletedRecord", "transient"), ("granularity", GRANULARITY)):
        ET.SubElement(element, f"{name}").text = xml_safe(text)
    return element


def _list_metadata_formats(values: dict[str, str], repo: Repository) -> ET.Element:
    if "identifier" in values:
        _find(values["identifier"], repo)
    element = ET.Element("ListMetadataFormats")
    for prefix, (schema, namespace) in FORMATS.items():
        fmt = ET.SubElement(element, "metadataFormat")
        for name, text in (("metadataPrefix", prefix), ("schema", schema), ("metadataNamespace", namespace)):
            ET.SubElement(fmt, f"{name}").text = text
    return element


def _list_sets(values: dict[str, str], repo: Repository) -> ET.Element:
    if "resumptionToken" in values:  # every set fits in one answer: no token is ever given
        raise OaiError("badResumptionToken", "Jeton de reprise inconnu : la liste des ensembles tient en une réponse.")
    element = ET.Element("ListSets")
    for entry in repo.vocab.sectors.values():
        item = ET.SubElement(element, "set")
        ET.SubElement(item, "setSpec").text = entry.code
        ET.SubElement(item, "setName").text = xml_safe(entry.label)
    return element


def _get_record(values: dict[str, str], repo: Repository) -> ET.Element:
    _format(values["metadataPrefix"])
    item = _find(values["identifier"], repo)
    element = ET.Element("GetRecord")
    element.append(_record(item, repo))
    return element


def _list(values: dict[str, str], repo: Repository, verb: str) -> ET.Element:
    if "resumptionToken" in values:
        args, offset = _decode_token(values["resumptionToken"], verb)
    else:
        args, offset = values, 0
    _format(args["metadataPrefix"])
    start, end = _range(args.get("from"), args.get("until"))
    items = [i for i in _items(repo, args.get("set")) if start <= i.datestamp <= end]
    if not items:
        raise OaiError("noRecordsMatch", "Aucun enregistrement ne correspond à ces critères.")
    if offset >= len(items) and "resumptionToken" in values:
        raise OaiError("badResumptionToken", "Jeton de reprise périmé : la liste a changé depuis, reprenez au début.")
    element = ET.Element(f"{verb}")
    page = items[offset:offset + repo.page_size]
    for item in page:
        element.append(_header(item, repo) if verb == "ListIdentifiers" else _record(item, repo))
    following = offset + len(page)
    if following < len(items) or offset > 0:
        token = ET.SubElement(element, "resumptionToken",
                              {"completeListSize": str(len(items)), "cursor": str(offset)})
        if following < len(items):
            token.text = _encode_token(verb, args, following)
    return element


_VERB_HANDLERS: dict[str, Callable[[dict[str, str], Repository], ET.Element]] = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": lambda values, repo: _list(values, repo, "ListIdentifiers"),
    "ListRecords": lambda values, repo: _list(values, repo, "ListRecords"),
}


# Records --------------------------------------------------------------------


def _items(repo: Repository, set_spec: str | None) -> list[_Item]:
    if set_spec is not None and set_spec not in repo.vocab.sectors:
        return []  # not a set of this repository: nothing, not even deletions
    published = {r.id for r in repo.records}
    items = [_Item(r.id, r.changed, r) for r in repo.records if set_spec is None or set_spec in r.sectors]
    items += [_Item(w.id, w.when, None) for w in repo.withdrawn if w.id not in published]
    return sorted(items, key=lambda i: i.id)


def _find(identifier: str, repo: Repository) -> _Item:
    prefix = f"oai:{repo.host}:"
    doc_id = identifier[len(prefix):] if identifier.startswith(prefix) else None
    for item in _items(repo, None) if doc_id else []:
        if item.id == doc_id:
            return item
    raise OaiError("idDoesNotExist", f"Identifiant inconnu de ce dépôt : « {xml_safe(identifier)[:120]} ».")


def _header(item: _Item, repo: Repository) -> ET.Element:
    header = ET.Element("header", {"status": "deleted"} if item.record is None else {})
    ET.SubElement(header, "identifier").text = f"oai:{repo.host}:{item.id}"
    ET.SubElement(header, "datestamp").text = item.datestamp
    for code in item.record.sectors if item.record else ():
        ET.SubElement(header, "setSpec").text = code
    return header


def _record(item: _Item, repo: Repository) -> ET.Element:
    record = ET.Element("record")
    record.append(_header(item, repo))
    if item.record is not None:
        metadata = ET.SubElement(record, "metadata")
        metadata.append(dc_element(item.record, repo.vocab, repo.page_url(item.id)))
    return record


def _format(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"Format de métadonnées non proposé : « {xml_safe(prefix)[:60]} » "
                                                  "(seul « oai_dc » l'est).")


def _range(start: str | None, end: str | None) -> tuple[str, str]:
    """``from`` and ``until`` as UTC datestamps at seconds granularity, both
    bounds included (``until=2026-12-01`` takes the whole day)."""
    bounds: list[str | None] = []
    for name, value, day_time in (("from", start, "T00:00:00Z"), ("until", end, "T23:59:59Z")):
        if value is None:
            bounds.append(None)
        elif _SECONDS.fullmatch(value) and _valid(value, "%Y-%m-%dT%H:%M:%SZ"):
            bounds.append(value)
        elif _DAY.fullmatch(value) and _valid(value, "%Y-%m-%d"):
            bounds.append(value + day_time)
        else:
            raise OaiError("badArgument", f"Date « {name} » invalide : « {xml_safe(value)[:40]} » "
                                          "(AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ssZ).")
    if start and end and len(start) != len(end):
        raise OaiError("badArgument", "« from » et « until » doivent avoir la même granularité.")
    low, high = bounds[0] or "0000-01-01T00:00:00Z", bounds[1] or "9999-12-31T23:59:59Z"
    if low > high:
        raise OaiError("badArgument", "« from » est postérieur à « until ».")
    return low, high


def _valid(value: str, pattern: str) -> bool:
    try:
        dt.datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


_TOKEN_KEYS = ("metadataPrefix", "from", "until", "set")


def _encode_token(verb: str, args: dict[str, str], offset: int) -> str:
    state: dict[str, object] = {"v": 1, "verb": verb, "o": offset, **{k: args[k] for k in _TOKEN_KEYS if k in args}}
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str, verb: str) -> tuple[dict[str, str], int]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = state.pop("o")
        if state.pop("v") != 1 or not isinstance(offset, int) or isinstance(offset, bool) or offset < 1:
            raise ValueError
        if state.pop("verb") != verb:  # a ListIdentifiers token is not one for ListRecords
            raise ValueError
        if not set(state) <= set(_TOKEN_KEYS) or "metadataPrefix" not in state:
            raise ValueError
        if not all(isinstance(v, str) for v in state.values()):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        raise OaiError("badResumptionToken", "Jeton de reprise invalide.") from None
    return state, offset
