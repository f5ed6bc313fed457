"""Changing the vocabularies, and the records that named a changed value.

``VocabularyEditor`` adds a sector or a document type, changes its label,
synonyms and keywords, merges one code into another, retires an unused code,
and replaces the synonyms of the search. Each change reads the vocabulary in
use, checks the result (French messages), saves it as the corpus's edited
copy (``catalogue.vocabulary_files``: atomically) and journals it as one
``vocabulary`` entry (no document, the old and new values).

Records: a merge rewrites every sidecar that names the merged code (by its
code, label or a synonym) to the code it went into, and a new label rewrites
the sidecars that named the old label to the code. The rewrite goes through
``staff.bulk.write_fields`` (the save path of bulk edits: only that field of
the sidecar changes) and each rewritten document gets its own ``vocabulary``
journal entry (its sectors or type, old → new), so a notice's "historique"
says why it changed. The old spellings also stay as synonyms of the code
they now mean, so a folder name or a PDF's embedded subject that used them
still lands on it.

The caller then indexes the whole corpus: the vocabulary's digest is part of
every document's fingerprint (``index/update.py``), so every document is
resolved again (labels of the facets, sectors guessed from keywords).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from docsearch.catalogue.staff import StaffMetadata, read_sidecar
from docsearch.catalogue.vocabulary import (
    BUILT_IN,
    CODE_SYNTAX,
    KINDS,
    Entry,
    Vocabulary,
    vocabulary_toml,
)
from docsearch.catalogue.vocabulary_files import (
    MAX_MEMBER_CHARS,
    SYNONYMS,
    THESAURUS,
    VOCABULARY,
    current_vocabulary,
    read_synonym_groups,
    read_thesaurus_terms,
    save_file,
    synonyms_toml,
    thesaurus_toml,
)
from docsearch.config import Settings
from docsearch.corpus.scan import SIDECAR_SUFFIX
from docsearch.corpus.write import corpus_lock
from docsearch.errors import UserError
from docsearch.staff.bulk import write_fields
from docsearch.staff.journal import Journal
from docsearch.text import fold_key

MAX_CODE_CHARS = 60
MAX_ITEMS = 300  # synonyms or keywords of one entry (the shipped file has at most 14)
MAX_GROUPS = 2000  # synonym groups (the shipped file has 27)
# The field of StaffMetadata each list names.
_FIELD = {"sector": "sectors", "doctype": "doctype"}


@dataclass(frozen=True)
class EntryInput:
    """What the form of one entry gives (lists already split, one item a line)."""

    kind: str
    code: str
    label: str
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class VocabularyChange:
    message: str  # the French confirmation
    rewritten: tuple[str, ...] = ()  # documents whose sidecar was rewritten
    reindex: bool = True  # whether the documents must be resolved again (not for synonyms)


class VocabularyEditor:
    def __init__(self, settings: Settings, journal: Journal) -> None:
        self.settings, self.journal = settings, journal

    # Entries ------------------------------------------------------------

    def add(self, who: str, given: EntryInput) -> VocabularyChange:
        with corpus_lock(self.settings.corpus_dir):
            vocab = current_vocabulary(self.settings)
            entry = _checked(vocab, given, None)
            if entry.code in vocab.entries(given.kind):
                raise UserError(f"Le code « {entry.code} » existe déjà.")
            self._save(_with(vocab, given.kind, {**vocab.entries(given.kind), entry.code: entry}))
            self.journal.record(who, "vocabulary", "", _entry_changes(None, entry), title=_title(given.kind, entry),
                                note=f"{KINDS[given.kind]} ajouté")
        return VocabularyChange(f"{_title(given.kind, entry)} ajouté.")

    def edit(self, who: str, given: EntryInput) -> VocabularyChange:
        with corpus_lock(self.settings.corpus_dir):
            vocab = current_vocabulary(self.settings)
            old = vocab.entries(given.kind).get(given.code)
            if old is None:
                raise UserError(f"Le code « {given.code} » n'existe pas (ou plus).")
            entry = _checked(vocab, given, old)
            renamed = fold_key(entry.label) != fold_key(old.label)
            if renamed and fold_key(old.label) not in {fold_key(s) for s in (entry.code, *entry.synonyms)}:
                entry = replace(entry, synonyms=(*entry.synonyms, old.label))  # the old label still finds it
            if entry == old:
                return VocabularyChange("Rien n'a changé.", reindex=False)
            entries = {code: (entry if code == old.code else e) for code, e in vocab.entries(given.kind).items()}
            self._save(_with(vocab, given.kind, entries))
            note = f"libellé « {old.label} » → « {entry.label} »" if renamed else ""
            # Sidecars naming the old label, or a synonym no longer given, name the code instead.
            kept = {fold_key(s) for s in (entry.code, entry.label, *entry.synonyms)}
            spellings = {fold_key(s): old.code for s in old.synonyms if fold_key(s) not in kept}
            if renamed:
                spellings[fold_key(old.label)] = old.code
            rewritten = self._rewrite(who, given.kind, spellings, note or "synonymes modifiés")
            if rewritten:
                note += f" ; {len(rewritten)} notice(s) réécrite(s)"
            self.journal.record(who, "vocabulary", "", _entry_changes(old, entry), title=_title(given.kind, entry), note=note)
        return VocabularyChange(f"{_title(given.kind, entry)} enregistré" + _rewritten(rewritten), tuple(rewritten))

    def merge(self, who: str, kind: str, source: str, target: str) -> VocabularyChange:
        """``source`` disappears into ``target``: its label and synonyms become
        synonyms of ``target``, its keywords are added, its records rewritten."""
        with corpus_lock(self.settings.corpus_dir):
            vocab = current_vocabulary(self.settings)
            entries = vocab.entries(kind)
            if source not in entries or target not in entries:
                raise UserError("Choisissez deux codes existants à fusionner.")
            if source == target:
                raise UserError("Un code ne peut pas être fusionné dans lui-même : choisissez-en un autre.")
            if source in BUILT_IN[kind]:
                raise UserError(f"« {entries[source].label} » est donné par docsearch lui-même : il ne peut pas être "
                                "fusionné ni retiré (seul son libellé peut changer).")
            gone, kept = entries[source], entries[target]
            spellings = [s for s in (gone.code, gone.label, *gone.synonyms) if vocab.code_of(kind, s) == source]
            own = {fold_key(s) for s in (kept.code, kept.label, *kept.synonyms)}
            merged = replace(kept, synonyms=_unique((*kept.synonyms, *(s for s in spellings if fold_key(s) not in own))),
                             keywords=_unique((*kept.keywords, *gone.keywords)))
            self._save(_with(vocab, kind, {code: merged if code == target else e for code, e in entries.items() if code != source}))
            note = f"« {gone.label} » ({source}) fusionné dans « {kept.label} » ({target})"
            rewritten = self._rewrite(who, kind, {fold_key(s): target for s in spellings}, note)
            self.journal.record(who, "vocabulary", "", {"code": (source, target), "synonyms": (kept.synonyms, merged.synonyms)},
                                title=_title(kind, merged), note=note + f" ; {len(rewritten)} notice(s) réécrite(s)")
        return VocabularyChange(f"« {gone.label} » fusionné dans « {kept.label} »" + _rewritten(rewritten), tuple(rewritten))

    def retire(self, who: str, kind: str, code: str, indexed: int) -> VocabularyChange:
        """Remove an unused code: ``indexed`` documents of the index have it,
        and no sidecar may name it (else merge it into another)."""
        with corpus_lock(self.settings.corpus_dir):
            vocab = current_vocabulary(self.settings)
            entry = vocab.entries(kind).get(code)
            if entry is None:
                raise UserError(f"Le code « {code} » n'existe pas (ou plus).")
            if code in BUILT_IN[kind]:
                raise UserError(f"« {entry.label} » est donné par docsearch lui-même : il ne peut pas être retiré.")
            named = [relpath for relpath, staff in self._sidecars() if code in _codes(vocab, kind, staff)]
            used = max(indexed, len(named))
            if used:
                raise UserError(f"« {entry.label} » est utilisé par {used} document(s) : fusionnez-le dans un autre "
                                f"{KINDS[kind]} plutôt que de le retirer.")
            self._save(_with(vocab, kind, {c: e for c, e in vocab.entries(kind).items() if c != code}))
            self.journal.record(who, "vocabulary", "", _entry_changes(entry, None), title=_title(kind, entry),
                                note=f"{KINDS[kind]} retiré")
        return VocabularyChange(f"{_title(kind, entry)} retiré.")

    # Synonyms of the search ------------------------------------------------

    def save_synonyms(self, who: str, groups: list[list[str]]) -> VocabularyChange:
        if len(groups) > MAX_GROUPS:
            raise UserError(f"Au plus {MAX_GROUPS} groupes de synonymes.")
        with corpus_lock(self.settings.corpus_dir):
            old = read_synonym_groups(self.settings)
            if old == groups:
                return VocabularyChange("Rien n'a changé.", reindex=False)
            save_file(self.settings, SYNONYMS, synonyms_toml(groups))
            before, after = {" ; ".join(g) for g in old}, {" ; ".join(g) for g in groups}
            self.journal.record(who, "vocabulary", "", {"groups": (sorted(before - after), sorted(after - before))},
                                title="Synonymes de la recherche", note=f"{len(groups)} groupes")
        return VocabularyChange(f"Synonymes de la recherche enregistrés ({len(groups)} groupes).", reindex=False)

    def save_thesaurus(self, who: str, terms: list[list[str]]) -> VocabularyChange:
        """The keyword thesaurus (each list: the term, then its synonyms). Its
        digest is in the vocabulary's: every document is catalogued again."""
        if len(terms) > MAX_GROUPS:
            raise UserError(f"Au plus {MAX_GROUPS} termes dans le thésaurus.")
        with corpus_lock(self.settings.corpus_dir):
            old = read_thesaurus_terms(self.settings)
            if old == terms:
                return VocabularyChange("Rien n'a changé.", reindex=False)
            save_file(self.settings, THESAURUS, thesaurus_toml(terms))
            before, after = {" ; ".join(t) for t in old}, {" ; ".join(t) for t in terms}
            self.journal.record(who, "vocabulary", "", {"terms": (sorted(before - after), sorted(after - before))},
                                title="Thésaurus des mots-clés", note=f"{len(terms)} termes")
        return VocabularyChange(f"Thésaurus des mots-clés enregistré ({len(terms)} termes).")

    # Records -------------------------------------------------------------

    def _rewrite(self, who: str, kind: str, spellings: dict[str, str], note: str) -> list[str]:
        """Rewrite every sidecar value whose folded spelling is in ``spellings`` to its new code."""
        if not spellings:
            return []
        rewritten = []
        for relpath, staff in self._sidecars():
            if kind == "sector":
                before: Any = staff.sectors
                after: Any = tuple(dict.fromkeys(spellings.get(fold_key(v), v) for v in staff.sectors))
            else:
                before, after = staff.doctype, spellings.get(fold_key(staff.doctype), staff.doctype)
            if after == before:
                continue
            try:
                write_fields(self.settings, relpath, {_FIELD[kind]: after})
            except UserError:
                continue  # an unreadable sidecar is left as it is (its document is "à vérifier" already)
            self.journal.record(who, "vocabulary", relpath, {_FIELD[kind]: (before, after)}, title=staff.title, note=note)
            rewritten.append(relpath)
        return rewritten

    def _sidecars(self) -> Iterator[tuple[str, StaffMetadata]]:
        """Every readable sidecar of a document of the corpus (outside hidden folders such as the trash)."""
        corpus = self.settings.corpus_dir
        for folder, dirs, files in os.walk(corpus):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.endswith(SIDECAR_SUFFIX) or name.startswith("."):
                    continue
                document = Path(folder) / name[: -len(SIDECAR_SUFFIX)]
                if not document.is_file():
                    continue
                staff, warnings = read_sidecar(Path(folder) / name)
                if any("unreadable" in w for w in warnings):
                    continue
                yield document.relative_to(corpus).as_posix(), staff

    def _save(self, vocab: Vocabulary) -> None:
        save_file(self.settings, VOCABULARY, vocabulary_toml(vocab))


def split_lines(text: str, what: str) -> tuple[str, ...]:
    """One item a line, blanks dropped, each once; too long or too many is refused."""
    items = _unique(tuple(line.strip() for line in text.splitlines() if line.strip()))
    if len(items) > MAX_ITEMS:
        raise UserError(f"{what} : au plus {MAX_ITEMS} lignes.")
    for item in items:
        if len(item) > MAX_MEMBER_CHARS:
            raise UserError(f"{what} : « {item[:40]}… » dépasse {MAX_MEMBER_CHARS} caractères.")
    return items


def split_groups(text: str, least: int = 2, what: str = "des synonymes") -> list[list[str]]:
    """A text area of groups: one a line, its terms separated by « ; » (the
    synonyms need two; a thesaurus term may stand alone, ``least=1``)."""
    groups = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        members = list(dict.fromkeys(m.strip() for m in line.split(";") if m.strip()))
        if len({fold_key(m) for m in members}) < least:
            raise UserError(f"Ligne {number} {what} : il faut au moins deux termes, séparés par « ; »." if least > 1
                            else f"Ligne {number} {what} : un terme au moins.")
        too_long = next((m for m in members if len(m) > MAX_MEMBER_CHARS), None)
        if too_long:
            raise UserError(f"Ligne {number} {what} : « {too_long[:40]}… » dépasse {MAX_MEMBER_CHARS} caractères.")
        groups.append(members)
    return groups


def _checked(vocab: Vocabulary, given: EntryInput, old: Entry | None) -> Entry:
    """The entry as it will be saved; a French ``UserError`` for what is not allowed."""
    if given.kind not in KINDS:
        raise UserError("Liste inconnue : secteurs ou types de documents.")
    code = given.code.strip() if old is None else old.code
    if not CODE_SYNTAX.fullmatch(code) or len(code) > MAX_CODE_CHARS:
        raise UserError(f"Le code « {code[:MAX_CODE_CHARS]} » n'est pas valable : lettres minuscules sans accent, "
                        f"chiffres et tirets seulement (au plus {MAX_CODE_CHARS}), par exemple « habitat-partage ».")
    label = " ".join(given.label.split())
    if not label:
        raise UserError("Le libellé ne peut pas être vide.")
    if len(label) > MAX_MEMBER_CHARS:
        raise UserError(f"Le libellé dépasse {MAX_MEMBER_CHARS} caractères.")
    entry = Entry(code, label, given.synonyms, given.keywords)
    known = {fold_key(s) for s in (old.code, old.label, *old.synonyms)} if old else set()
    for spelling in (entry.code, entry.label, *entry.synonyms):
        other = vocab.code_of(given.kind, spelling)
        if fold_key(spelling) not in known and other is not None and other != code:
            raise UserError(f"« {spelling} » désigne déjà le {KINDS[given.kind]} « {vocab.entries(given.kind)[other].label} » "
                            "(si les deux sont le même, fusionnez-les).")
    return entry


def _with(vocab: Vocabulary, kind: str, entries: dict[str, Entry]) -> Vocabulary:
    sectors, doctypes = (entries, vocab.doctypes) if kind == "sector" else (vocab.sectors, entries)
    return Vocabulary(sectors=dict(sectors), doctypes=dict(doctypes), digest="")


def _codes(vocab: Vocabulary, kind: str, staff: StaffMetadata) -> set[str]:
    values = staff.sectors if kind == "sector" else ((staff.doctype,) if staff.doctype else ())
    return {code for v in values if (code := vocab.code_of(kind, v))}


def _entry_changes(old: Entry | None, new: Entry | None) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for name in ("code", "label", "synonyms", "keywords"):
        before, after = getattr(old, name, None), getattr(new, name, None)
        if before != after:
            changes[name] = (before, after)
    return changes


def _title(kind: str, entry: Entry) -> str:
    return f"{KINDS[kind].capitalize()} « {entry.label} »"


def _rewritten(relpaths: list[str]) -> str:
    return f" ; {len(relpaths)} notice(s) mise(s) à jour." if relpaths else "."


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    """Each item once, case and accents ignored, in the order given."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(fold_key(item), item)
    return tuple(seen.values())
