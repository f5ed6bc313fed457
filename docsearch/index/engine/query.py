"""Parse what a visitor types into a Whoosh query over document records.

Plain words and whole questions are ranked with OR (a conjunctive default
finds almost nothing for a French question); "phrases", AND/OR/NOT (and
ET/OU/SAUF/NON), +word/-word, ``titre:``, ``secteur:``, ``annee:``, ``type:``
fields and ``prefix*`` work. Input the parser cannot make sense of is
searched as plain words, with a note saying so; a query never raises.

The boolean structure is read here (``_Grammar``, precedence in the README's
"Query language"), since Whoosh's operators bind only the neighbouring word
("économie sociale AND habitat" would be économie OR (sociale AND habitat))
and its field terms are OR-ed with the words; Whoosh reads each term and each
run of plain words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from whoosh import query as Q
from whoosh.fields import Schema
from whoosh.qparser import (
    FieldAliasPlugin,
    GtLtPlugin,
    MultifieldParser,
    OrGroup,
    PlusMinusPlugin,
    syntax,
)
from whoosh.qparser.plugins import (
    MultifieldPlugin,
    OperatorsPlugin,
    PrefixPlugin,
    SingleQuotePlugin,
    WhitespacePlugin,
    WildcardPlugin,
)
from whoosh.reading import IndexReader

from docsearch.catalogue.language import iso_language
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.index.analysis import french_analyzer, stem
from docsearch.index.backend import MAX_QUERY_CHARS, UNKNOWN_YEAR
from docsearch.index.engine.deadline import CHECK_EVERY, TIME_NOTE, WILDCARD_NOTE, Deadline
from docsearch.index.engine.suggest import near_words
from docsearch.index.engine.synonyms import Synonyms
from docsearch.text import fold

T = TypeVar("T")

# Keywords are what a documentalist says the document is about: a little
# more than the other metadata fields. The file name's words help a visitor
# who remembers it ("rattachement-candidats") without outweighing the text:
# the weight is the lowest (MRR@10 of bench/relevance.py in the README).
KEYWORDS_BOOST = 0.3
FILENAME_BOOST = 0.15
# Fields searched by plain words, with their weights. The whole text carries
# the title too (see ``pipeline``); the metadata fields add a little, since
# documents of one series often share most title words.
TEXT_FIELDS = {"content": 1.0, "title": 0.2, "summary": 0.2, "organisation": 0.2, "territory": 0.2,
               "authors": 0.2, "keywords": KEYWORDS_BOOST, "filename": FILENAME_BOOST}
# Plain words (no syntax) are searched as: every analyzed word (once) in
# every text field; each pair of neighbouring words as a phrase, which
# favours passages that keep the words together; the same words unstemmed,
# which favours the exact form typed; and, for a word the index does not
# have (a typo), the index's closest words.
PAIR_BOOST = 0.3
EXACT_FORM_BOOST = 0.4
NEAR_WORD_BOOST = 0.6
NEAR_WORDS = 5
SYNONYM_BOOST = 0.3
# Anything of these makes a query "syntax" rather than plain words.
_SYNTAX = re.compile(
    r"""["()\[\]{}^~*]|\w:\S|(?:^|\s)[+-]\S|\b(?:AND|OR|NOT|ET|OU|SAUF|NON|ANDNOT|ANDMAYBE)\b"""
)
FIELD_ALIASES = {
    "title": ["titre"],
    "sectors": ["secteur", "secteurs"],
    "year": ["annee", "année", "an"],
    "doctype": ["type"],
    "organisation": ["organisme", "structure"],
    "territory": ["territoire"],
    "authors": ["auteur", "auteurs", "author"],
    "keywords": ["motcle", "motscles", "motclé", "motsclés", "mot_cle", "mots_cles", "keyword"],
    "language": ["langue", "lang"],
    "filename": ["fichier"],
}
# A prefix matches at most this many distinct words of the index, and all
# the prefixes of one query together at most the second number.
MAX_PREFIX_WORDS = 64
MAX_QUERY_PREFIX_WORDS = 128
# Words of the lexicon the wildcards of one query may look at, in all: an
# infix pattern ("*abc*") is a scan of the whole lexicon, and sixty of them
# in one query were seconds of work.
MAX_QUERY_SCANNED_WORDS = 100_000  # about 0.4 s of lexicon reading
MIN_PREFIX = 3  # letters a pattern needs: "a*" would stand for most of the index, it is searched as "a"


class _AsTyped(syntax.TextNode):
    """Wildcard text reaches the query as typed: the analyzer would stem
    "co*ve" into "co*v". ``_expand_prefix`` folds and matches it later."""

    def query(self, parser: MultifieldParser) -> Q.Query:
        fieldname = self.fieldname or parser.fieldname
        if fieldname not in TEXT_FIELDS:
            return super().query(parser)
        return syntax.attach(self.qclass(fieldname, self.text, boost=self.boost), self)


class _PrefixNode(_AsTyped):
    qclass = Q.Prefix


class _WildcardNode(_AsTyped):
    qclass = Q.Wildcard


class StarWildcardPlugin(WildcardPlugin):
    """Only ``*`` is a wildcard: "?" ends French questions ("Qui a fondé la SCOP ?")."""

    qmarks = ""
    expr = "(?P<text>[*])"
    WildcardNode = _WildcardNode
    nodetype = _WildcardNode

    def do_wildcards(self, parser: MultifieldParser, group: syntax.GroupNode) -> syntax.GroupNode:
        group = super().do_wildcards(parser, group)
        for i, node in enumerate(group):
            if isinstance(node, PrefixPlugin.PrefixNode):
                prefix = _PrefixNode(node.text)
                prefix.startchar, prefix.endchar = node.startchar, node.endchar
                group[i] = prefix
        return group


class SafeGtLtPlugin(GtLtPlugin):
    """Whoosh's ``annee:>2015``, minus its IndexError on a sign that opens a
    group (``>a``, ``(<= b)``, ``annee:(>2010)``: it reads the node before,
    which is not there). Such a sign is an error node: the query is then read
    as plain words, with the note saying so, as for any syntax not understood."""

    def do_gtlt(self, parser: object, group: syntax.GroupNode) -> syntax.GroupNode:
        fieldname = syntax.FieldnameNode
        newgroup = group.empty_copy()
        i = 0
        while i < len(group):
            node = group[i]
            if isinstance(node, self.GtLtNode):
                if (i < len(group) - 1 and len(newgroup) and isinstance(newgroup[-1], fieldname)
                        and group[i + 1].has_text):
                    newgroup.append(self.make_range(group[i + 1], node.rel))
                    i += 1  # the next node is the range's bound
                elif not len(newgroup):
                    sign = syntax.WordNode(node.rel).set_range(node.startchar, node.endchar)
                    newgroup.append(syntax.ErrorNode("comparison sign without a field", sign))
            elif isinstance(node, syntax.GroupNode):
                newgroup.append(self.do_gtlt(parser, node))
            else:
                newgroup.append(node)
            i += 1
        return newgroup


class BonusPhrase(Q.Phrase):
    """A phrase that only adds to the score of documents the words already
    match: counting the matches (``searching.matching_docs``) skips it, since
    matching phrases is the costly part of a query."""


@dataclass
class ParsedQuery:
    query: Q.Query  # Q.Every() when the visitor only browses
    note: str | None = None
    is_browse: bool = False
    is_plain: bool = False  # plain words, no syntax: spelling suggestions apply


class QueryParser:
    def __init__(self, schema: Schema, vocab: Vocabulary, synonyms: Synonyms | None = None) -> None:
        self.schema, self.vocab, self.synonyms = schema, vocab, synonyms or Synonyms()
        self.full = self._parser(schema, syntax=True)
        self.plain = self._parser(schema, syntax=False)

    @staticmethod
    def _parser(schema: Schema, syntax: bool) -> MultifieldParser:
        parser = MultifieldParser(list(TEXT_FIELDS), schema, fieldboosts=TEXT_FIELDS, group=OrGroup.factory(0.9))
        # 'l'économie' is an elision, not a quoted term.
        parser.remove_plugin_class(SingleQuotePlugin)
        parser.remove_plugin_class(WildcardPlugin)
        parser.add_plugin(StarWildcardPlugin())
        if not syntax:
            parser.plugins = [p for p in parser.plugins if isinstance(p, (WhitespacePlugin, MultifieldPlugin))]
            return parser
        parser.remove_plugin_class(OperatorsPlugin)
        parser.add_plugin(OperatorsPlugin(
            And=r"(?<=\s)(?:AND|ET)(?=\s)", Or=r"(?<=\s)(?:OR|OU)(?=\s)",
            AndNot=r"(?<=\s)ANDNOT(?=\s)", AndMaybe=r"(?<=\s)ANDMAYBE(?=\s)",
            Not=r"(^|(?<=(\s|[()])))(?:NOT|NON|SAUF)(?=\s)",
        ))
        parser.add_plugin(PlusMinusPlugin(plusexpr=_PLUS, minusexpr=_MINUS))
        parser.add_plugin(SafeGtLtPlugin())
        parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
        return parser

    def parse(self, text: str, reader: IndexReader, deadline: Deadline | None = None, near: bool = True) -> ParsedQuery:
        """``reader`` supplies the index's words that a ``prefix*`` stands for;
        their expansion stops at ``deadline`` (or the word budgets), with a note.
        ``near``: a word the index lacks also finds its closest words."""
        cuts: list[str] = []  # why an expansion stopped early, if one did
        parsed = self._parse(text, reader, deadline, cuts, near)
        if cuts:
            parsed.note = " ".join(filter(None, [parsed.note, cuts[0]]))
        return parsed

    def _parse(self, text: str, reader: IndexReader, deadline: Deadline | None, cuts: list[str],
               near: bool = True) -> ParsedQuery:
        # Lone surrogates cannot be encoded: they are no part of any word.
        text = " ".join(_SURROGATES.sub("", text or "").split())
        note = None
        if len(text) > MAX_QUERY_CHARS:
            text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
            note = f"Requête trop longue : seuls les {MAX_QUERY_CHARS} premiers caractères sont cherchés."
        if not re.search(r"\w", text):
            return ParsedQuery(Q.Every(), note, is_browse=True)
        if not _SYNTAX.search(text):
            words = self.words(text, reader, near)
            if words is not None:
                return ParsedQuery(words, note, is_plain=True)
        parsed = (self._structured(text, reader, deadline, cuts) or self._try(self.full, text, reader, deadline, cuts)
                  or self._only_exclusions(text, reader, deadline, cuts))
        if parsed is None:
            parsed = self._try(self.plain, _words_only(text), reader)
            if parsed is not None:
                note = "La syntaxe de la requête n'a pas été comprise : elle est cherchée comme de simples mots."
        if parsed is None:
            return ParsedQuery(Q.NullQuery, "Aucun mot à chercher : la requête ne contient que des mots trop courants.")
        return ParsedQuery(parsed, note)

    def words(self, text: str, reader: IndexReader, near: bool = True) -> Q.Query | None:
        """Plain words or a whole question, ranked (none of them required).

        A word the analyzer splits ("Haute-Normandie", "aujourd'hui", a run
        of Chinese) is a phrase of its parts.
        """
        stemmer, exact = self.schema["content"].analyzer, self.schema["words"].analyzer
        units = _unique(tuple(t.text for t in stemmer(word)) for word in text.split())
        units = [u for u in units if u]
        if not units:
            return None
        parts: list[Q.Query] = []
        for unit in units:
            if len(unit) > 1:
                parts += [Q.Phrase(field, list(unit), boost=boost) for field, boost in TEXT_FIELDS.items()]
            elif any(reader.doc_frequency(field, unit[0]) for field in TEXT_FIELDS):
                parts += [Q.Term(field, unit[0], boost=boost) for field, boost in TEXT_FIELDS.items()]
        forms = _unique(t.text for t in exact(text))
        parts += [Q.Term("words", form, boost=EXACT_FORM_BOOST) for form in forms]
        if near:
            parts += [Q.Term("content", s, boost=NEAR_WORD_BOOST) for s in self._near_stems(forms, reader)]
        terms = [term for unit in units for term in unit]
        for member in self.synonyms.expansions(terms):
            parts.append(Q.Term("content", member[0], boost=SYNONYM_BOOST) if len(member) == 1
                         else Q.Phrase("content", list(member), boost=SYNONYM_BOOST))
        if not parts:
            return None
        parts += [BonusPhrase("content", [a, b], slop=1, boost=PAIR_BOOST) for a, b in itertools.pairwise(terms) if a != b]
        return Q.Or(parts)

    @staticmethod
    def _near_stems(forms: list[str], reader: IndexReader) -> list[str]:
        """For each word the index lacks (a typo), the stems of its closest words."""
        stems: list[str] = []
        for form in forms:
            if len(form) >= 4 and not form.isdigit() and not reader.doc_frequency("words", form):
                near = near_words(reader, form, limit=50)
                stems += [stem(w) for w in sorted(near, key=lambda w: -reader.doc_frequency("words", w))[:NEAR_WORDS]]
        return _unique(s for s in stems if reader.doc_frequency("content", s))

    def parse_plain(self, text: str, reader: IndexReader) -> ParsedQuery:
        """The words of ``text`` only, without any syntax."""
        parsed = self._try(self.plain, _words_only(_SURROGATES.sub("", text or "")[:MAX_QUERY_CHARS]), reader)
        if parsed is None:
            return ParsedQuery(Q.NullQuery, "Aucun mot à chercher : la requête ne contient que des mots trop courants.")
        return ParsedQuery(parsed, "La syntaxe de la requête n'a pas été comprise : elle est cherchée comme de simples mots.")

    def _try(self, parser: MultifieldParser, text: str, reader: IndexReader,
             deadline: Deadline | None = None, cuts: list[str] | None = None) -> Q.Query | None:
        # The parser is not supposed to raise; if it or Whoosh's query
        # rewriting does on some input, the words alone are searched instead.
        try:
            q = parser.parse(text)
            if q is Q.NullQuery or _has_error(q):
                return None
            normaliser = _Normaliser(self.vocab, reader, deadline)
            q = _lucene_not(normaliser.normalise(q))
        except Exception:
            return None
        if normaliser.cut and cuts is not None:
            cuts.append(normaliser.cut)
        return None if q is Q.NullQuery else q

    def _structured(self, text: str, reader: IndexReader, deadline: Deadline | None,
                    cuts: list[str]) -> Q.Query | None:
        """The query by the grammar of the README ("Query language"), None when
        it has nothing to search or Whoosh finds an error in one of its terms
        (the caller then tries Whoosh's own reading, then plain words)."""
        try:
            q = _Grammar(_tokens(text), self._leaf, self.is_field_term).query()
            if q is None:
                return None
            normaliser = _Normaliser(self.vocab, reader, deadline)
            q = _lucene_not(normaliser.normalise(q))
        except (_LeafError, RecursionError):
            return None
        if normaliser.cut:
            cuts.append(normaliser.cut)
        return None if q is Q.NullQuery else q

    def _leaf(self, text: str) -> Q.Query | None:
        """Whoosh's reading of one term (a field term) or one run of plain words."""
        q = self.full.parse(text)
        if _has_error(q):
            raise _LeafError(text)
        return None if q is Q.NullQuery else q

    def is_field_term(self, token: str) -> bool:
        name = token.lstrip("+").split(":", 1)[0]
        return ":" in token and len(token) > len(name) + 1 and (name in self.schema or name in _ALIASES)

    def _only_exclusions(self, text: str, reader: IndexReader, deadline: Deadline | None,
                         cuts: list[str]) -> Q.Query | None:
        """"-sport" alone: every document but those (Whoosh parses it to nothing)."""
        excluded = _EXCLUDED.findall(text)
        if not excluded or _EXCLUDED.sub(" ", text).strip():
            return None
        before = len(cuts)
        q = self._try(self.full, " ".join(excluded), reader, deadline, cuts)
        if len(cuts) > before:  # not every excluded word is known: exclude everything rather than too little
            q = Q.Every()
        return Q.AndNot(Q.Every(), q) if q is not None else None


# "-mot" at the start of a term, never the hyphen inside "Haute-Normandie".
_MINUS = r"(?:(?<=^)|(?<=[\s(]))-(?=\S)"
_PLUS = r"(?:(?<=^)|(?<=[\s(]))\+(?=\S)"
_EXCLUDED = re.compile(r"(?:^|(?<=\s))(?:-|(?:NOT|NON)\s+)(\S+)")
_SURROGATES = re.compile("[\ud800-\udfff]")


class _LeafError(Exception):
    """Whoosh found an error in a term ("annee:abc")."""


_ALIASES = {alias for aliases in FIELD_ALIASES.values() for alias in aliases}
_OPERATORS = {"AND": "AND", "ET": "AND", "OR": "OR", "OU": "OR", "NOT": "NOT", "NON": "NOT", "SAUF": "NOT",
              "ANDNOT": "NOT"}
_CLOSING = {"(": ")", "[": "]", "{": "}", '"': '"'}


def _tokens(text: str) -> list[str]:
    """Words, "phrases", ``field:value`` (with its brackets or quotes),
    parentheses and operators, in order. A quote or bracket left open runs to
    the end, as Whoosh reads it."""
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(c)
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in "()":
                opening = text[i]
                if opening == '"' or (opening in "[{" and i > start and text[i - 1] == ":"):
                    end = text.find(_CLOSING[opening], i + 1)
                    i = n if end < 0 else end + 1
                elif opening == ":" and i + 1 < n and text[i + 1] == "(":
                    depth, i = 0, i + 1
                    while i < n:
                        depth += {"(": 1, ")": -1}.get(text[i], 0)
                        i += 1
                        if depth == 0:
                            break
                else:
                    i += 1
            tokens.append(text[start:i])
    return tokens


class _Grammar:
    """Reads the tokens of a query, by precedence from the tightest:
    ``NOT``/``NON``/``SAUF``/``-`` (the next term or group), then a run of
    terms side by side (plain words ranked, any of them matching; ``+word``
    required; field terms restrict), then ``AND``/``ET`` (each side whole),
    then ``OR``/``OU``. An operator without a side is left out."""

    def __init__(self, tokens: list[str], leaf: Callable[[str], Q.Query | None],
                 is_field: Callable[[str], bool]) -> None:
        self.tokens, self.leaf, self._is_field, self.i = tokens, leaf, is_field, 0

    def query(self) -> Q.Query | None:
        parts = []
        while self.i < len(self.tokens):
            parts.append(self.expression())
            if self._peek() == ")":  # a parenthesis closed without being opened
                self.i += 1
        kept = [p for p in parts if p is not None]
        return None if not kept else kept[0] if len(kept) == 1 else Q.Or(kept)

    def _peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def expression(self) -> Q.Query | None:
        sides = [self._and()]
        while _OPERATORS.get(self._peek() or "") == "OR":
            self.i += 1
            sides.append(self._and())
        kept = [s for s in sides if s is not None]
        return None if not kept else kept[0] if len(kept) == 1 else Q.Or(kept)

    def _and(self) -> Q.Query | None:
        sides = [self._run()]
        while _OPERATORS.get(self._peek() or "") == "AND":
            self.i += 1
            sides.append(self._run())
        kept = [s for s in sides if s is not None]
        return None if not kept else kept[0] if len(kept) == 1 else Q.And(kept)

    def _run(self) -> Q.Query | None:
        words: list[str] = []  # plain words, "phrases", +words, prefixes: one Whoosh group, as before
        groups: list[Q.Query] = []
        filters: list[Q.Query] = []
        excluded: list[Q.Query] = []
        while (token := self._peek()) is not None and token != ")" and _OPERATORS.get(token) not in ("AND", "OR"):
            if _OPERATORS.get(token) == "NOT" or (token.startswith("-") and len(token) > 1 and token != "-"):
                if token.startswith("-") and _OPERATORS.get(token) != "NOT":
                    self.tokens[self.i] = token[1:]  # the term itself comes next
                else:
                    self.i += 1
                item = self._item()
                if item is not None:
                    excluded.append(item)
            elif token == "(":
                item = self._item()
                if item is not None:
                    groups.append(item)
            elif self._is_field(token):
                self.i += 1
                item = self.leaf(token.lstrip("+"))
                if item is not None:
                    filters.append(item)
            else:
                self.i += 1
                words.append(token)
        positives = [q for q in [self.leaf(" ".join(words)) if words else None, *groups] if q is not None]
        core: Q.Query | None = (positives[0] if len(positives) == 1 else Q.Or(positives, scale=0.9)) if positives else None
        if filters:
            core = Q.And([*filters, core]) if core is not None else (filters[0] if len(filters) == 1 else Q.And(filters))
        if excluded:
            core = Q.AndNot(core if core is not None else Q.Every(), excluded[0] if len(excluded) == 1 else Q.Or(excluded))
        return core

    def _item(self) -> Q.Query | None:
        """One term or one parenthesised group (what NOT applies to)."""
        token = self._peek()
        if token is None or token == ")" or _OPERATORS.get(token) in ("AND", "OR"):
            return None
        self.i += 1
        if token == "(":
            inner = self.expression()
            if self._peek() == ")":
                self.i += 1
            return inner
        if _OPERATORS.get(token) == "NOT":  # NOT NOT x: x is excluded once, as typed twice
            return self._item()
        return self.leaf(token.lstrip("+"))


class _Normaliser:
    """Rewrites one parsed query: vocabulary fields to codes, prefixes to
    the index's stems (with budgets of words found and words looked at, and
    the search's deadline, so "a* b* c* …" and "*abc* *abd* …" stay cheap),
    year conditions to documents whose year is known.

    ``cut`` is the note to show when an expansion stopped early. What a
    query excludes is never cut short: an exclusion whose wildcards were
    not all expanded excludes everything (fewer results, never a document
    the visitor excluded)."""

    def __init__(self, vocab: Vocabulary, reader: IndexReader, deadline: Deadline | None = None) -> None:
        self.vocab, self.reader, self.deadline = vocab, reader, deadline
        self.budget = MAX_QUERY_PREFIX_WORDS
        self.scan_budget = MAX_QUERY_SCANNED_WORDS
        self.expansions: dict[tuple[type, str], list[str]] = {}
        self.cut: str | None = None  # the first reason an expansion stopped early (the deadline wins)
        self.cuts = 0  # expansions stopped early

    def normalise(self, q: Q.Query) -> Q.Query:
        if isinstance(q, Q.Not):
            return Q.Not(self._excluded(q.query), boost=q.boost)
        if isinstance(q, Q.AndNot):
            return Q.AndNot(self.normalise(q.a), self._excluded(q.b))
        return self._normalise(q)

    def _excluded(self, q: Q.Query) -> Q.Query:
        before = self.cuts
        q = self.normalise(q)
        return Q.Every() if self.cuts != before else q

    def _normalise(self, q: Q.Query) -> Q.Query:
        if isinstance(q, Q.Term) and q.fieldname in ("sectors", "doctype"):
            lookup = self.vocab.sector_code if q.fieldname == "sectors" else self.vocab.doctype_code
            return Q.Term(q.fieldname, lookup(str(q.text)) or str(q.text), boost=q.boost)
        if isinstance(q, Q.Phrase) and q.fieldname in ("sectors", "doctype"):
            return self.normalise(Q.Term(q.fieldname, " ".join(q.words), boost=q.boost))
        if isinstance(q, Q.Term) and q.fieldname == "language":
            return Q.Term("language", iso_language(str(q.text)) or str(q.text), boost=q.boost)
        if isinstance(q, Q.Term) and q.fieldname == "keywords":
            preferred = self.vocab.thesaurus.preferred(str(q.text))  # motcle:IAE is the term it stands for
            words = [t.text for t in french_analyzer()(preferred)] if preferred else []
            if len(words) > 1:
                return Q.Phrase("keywords", words, boost=q.boost)
            if words:
                return Q.Term("keywords", words[0], boost=q.boost)
        if isinstance(q, (Q.Prefix, Q.Wildcard)) and q.fieldname in TEXT_FIELDS:
            literal = fold(str(q.text)).replace("*", "").replace("?", "")
            if len(literal) < MIN_PREFIX:
                return Q.Term(q.fieldname, stem(literal), boost=q.boost) if literal else Q.NullQuery
            stems = self._stems(q)
            return Q.Or([Q.Term(q.fieldname, s, boost=q.boost) for s in stems]) if stems else Q.NullQuery
        if getattr(q, "fieldname", None) == "year" and isinstance(q, (Q.Term, Q.NumericRange)):
            # Documents without a year are stored as 0: never "before 2008".
            return Q.AndNot(q, Q.Term("year_key", UNKNOWN_YEAR))
        if q.is_leaf():
            return q
        return q.apply(self.normalise)

    def _stems(self, q: Q.Prefix | Q.Wildcard) -> list[str]:
        """"Coopérat*" → the stems of the index's words that start with "cooperat".

        Index terms are stems, which may be shorter than the typed prefix
        (coopérative → cooper), so the prefix is matched against the
        unstemmed words of the ``words`` field, then each word is stemmed.
        """
        key = (type(q), fold(str(q.text)))
        if key not in self.expansions:
            pattern = key[1] + ("*" if isinstance(q, Q.Prefix) else "")
            first = self._expand(pattern, max(0, min(MAX_PREFIX_WORDS, self.budget)))
            self.budget -= len(first)
            self.expansions[key] = sorted({stem(w) for w in first})
        return self.expansions[key]

    def _expand(self, pattern: str, limit: int) -> list[str]:
        """Up to ``limit`` words of the index that ``pattern`` (``*`` for any
        letters, ``?`` for one, as Whoosh's ``Wildcard``) matches, looking at
        no more words than the query has left, and not past the deadline."""
        found: list[str] = []
        if limit:
            prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
            match = re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), re.DOTALL).fullmatch
            looked = 0
            for raw in self.reader.expand_prefix("words", prefix):
                if looked >= self.scan_budget:
                    self._stopped(WILDCARD_NOTE)
                    break
                if looked % CHECK_EVERY == 0 and self.deadline is not None and self.deadline.passed():
                    self._stopped(TIME_NOTE)
                    break
                looked += 1
                word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                if match(word):
                    found.append(word)
                    if len(found) >= limit:
                        break
            self.scan_budget -= looked
        if len(found) >= limit and limit < MAX_PREFIX_WORDS:  # the query's budget, not the word's, ran out
            self._stopped(WILDCARD_NOTE)
        return found

    def _stopped(self, note: str) -> None:
        self.cuts += 1
        self.cut = TIME_NOTE if note == TIME_NOTE else self.cut or note


def _unique(items: Iterator[T]) -> list[T]:
    return list(dict.fromkeys(items))


def _lucene_not(q: Q.Query) -> Q.Query:
    """"culture NOT sport" means culture and not sport, as in every search engine
    (Whoosh would read it as culture OR (not sport))."""
    if q.is_leaf():
        return q
    q = q.apply(_lucene_not)
    if isinstance(q, (Q.Or, Q.And)):
        negated = [c.query for c in q.subqueries if isinstance(c, Q.Not)]
        if negated:
            positive = [c for c in q.subqueries if not isinstance(c, Q.Not)]
            base = type(q)(positive) if positive else Q.Every()
            return Q.AndNot(base, Q.Or(negated))
    return q


def _has_error(q: Q.Query) -> bool:
    if getattr(q, "error", None):
        return True
    return any(_has_error(child) for child in q.children()) if not q.is_leaf() else False


def _words_only(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))
