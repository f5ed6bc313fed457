"""The vocabulary files, and which copy of each is in use: the shipped one or the one staff edited.

docsearch ships its vocabularies as package data (``Settings.vocabulary_file``,
``Settings.synonyms_file``, ``Settings.thesaurus_file``). What an administrator changes in
``/gestion/vocabulaires`` is saved as a hidden file **of the corpus**
(``.vocabulaire.toml``, ``.synonymes.toml``, ``.thesaurus.toml``), not of the instance folder:
the corpus is the source of truth and what a backup keeps, and the sidecars
the corpus holds name the codes of that vocabulary, so the two must travel
together (a corpus restored without its vocabulary would file documents under
codes nobody defined). The scan of the corpus skips hidden files, so these
are never taken for documents.

An edited copy, when it exists, replaces the shipped file entirely (a
release that adds shipped codes does not add them to a corpus whose
vocabulary was edited: delete the copy to go back). A copy that cannot be
read or breaks a rule (``VocabularyFile.problems``) is not used: the shipped
file is, and ``FileInUse.warning`` says why in French (logged, and shown on
the vocabularies page), so a hand edit gone wrong never takes the site down.

``VOCABULARY_FILES`` is the table: one row per file.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from docsearch.catalogue.thesaurus import load_thesaurus
from docsearch.catalogue.vocabulary import Vocabulary, parse_vocabulary, vocabulary_problems
from docsearch.config import Settings
from docsearch.corpus.atomic import write_atomic
from docsearch.errors import UserError

logger = logging.getLogger(__name__)

MAX_MEMBER_CHARS = 200
_logged: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class VocabularyFile:
    key: str
    label: str  # French, for messages
    edited_name: str  # the edited copy, at the top of the corpus
    shipped: Callable[[Settings], Path]
    problems: Callable[[bytes], list[str]]  # French; empty when the content is valid

    def edited(self, settings: Settings) -> Path:
        return settings.corpus_dir / self.edited_name


@dataclass(frozen=True)
class FileInUse:
    path: Path
    edited: bool  # the corpus's copy (else the shipped file)
    warning: str = ""  # French: why an edited copy present is not used


def synonym_problems(raw: bytes) -> list[str]:
    """What is wrong with a synonyms file, in French: it must hold ``groups``,
    a list of groups of at least two non-empty texts."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [f"le fichier n'est pas du TOML lisible ({exc})"]
    groups = data.get("groups", [])
    if not isinstance(groups, list):
        return ["« groups » doit être une liste de groupes"]
    problems = []
    for number, group in enumerate(groups, 1):
        if not isinstance(group, list) or not all(isinstance(m, str) for m in group):
            problems.append(f"groupe n° {number} : une liste de textes est attendue")
        elif len({m.strip().lower() for m in group if m.strip()}) < 2 or any(not m.strip() for m in group):
            problems.append(f"groupe n° {number} : il faut au moins deux termes différents, sans terme vide")
        elif any(len(m) > MAX_MEMBER_CHARS for m in group):
            problems.append(f"groupe n° {number} : un terme dépasse {MAX_MEMBER_CHARS} caractères")
    return problems


def thesaurus_problems(raw: bytes) -> list[str]:
    """What is wrong with a keyword thesaurus, in French: each ``[[term]]``
    needs a non-empty ``term`` and a list of texts as ``synonyms``."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [f"le fichier n'est pas du TOML lisible ({exc})"]
    terms = data.get("term", [])
    if not isinstance(terms, list):
        return ["« term » doit être une liste d'entrées [[term]]"]
    problems = []
    for number, item in enumerate(terms, 1):
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not item["term"].strip():
            problems.append(f"terme n° {number} : « term » est vide ou absent")
            continue
        synonyms = item.get("synonyms", [])
        if not isinstance(synonyms, list) or not all(isinstance(v, str) for v in synonyms):
            problems.append(f"terme « {item['term']} » : « synonyms » doit être une liste de textes")
    return problems


VOCABULARY = VocabularyFile("vocabulaire", "le vocabulaire (secteurs et types de documents)", ".vocabulaire.toml",
                            lambda s: s.vocabulary_file, vocabulary_problems)
SYNONYMS = VocabularyFile("synonymes", "les synonymes de la recherche", ".synonymes.toml",
                          lambda s: s.synonyms_file, synonym_problems)
THESAURUS = VocabularyFile("thesaurus", "le thésaurus des mots-clés", ".thesaurus.toml",
                           lambda s: s.thesaurus_file, thesaurus_problems)
VOCABULARY_FILES = (VOCABULARY, SYNONYMS, THESAURUS)


def file_in_use(settings: Settings, file: VocabularyFile) -> FileInUse:
    """The edited copy if there is one and it is valid, else the shipped file."""
    edited = file.edited(settings)
    try:
        raw = edited.read_bytes()
    except FileNotFoundError:
        return FileInUse(file.shipped(settings), False)
    except OSError as exc:
        return _fallback(settings, file, f"illisible ({exc.strerror or exc})")
    problems = file.problems(raw)
    if problems:
        return _fallback(settings, file, "; ".join(problems[:3]) + (" …" if len(problems) > 3 else ""))
    return FileInUse(edited, True)


def _fallback(settings: Settings, file: VocabularyFile, why: str) -> FileInUse:
    warning = (f"Le fichier {file.edited_name} du fonds n'est pas utilisé : {why}. "
               f"Le fichier livré avec docsearch l'est à sa place pour {file.label} ; "
               "corrigez ce fichier ou enregistrez une modification ici pour le remplacer.")
    said = (str(file.edited(settings)), why)
    if said not in _logged:  # once per process and problem, not at every page
        _logged.add(said)
        logger.warning("%s is not used, the shipped file is: %s", *said)
    return FileInUse(file.shipped(settings), False, warning)


def current_vocabulary(settings: Settings) -> Vocabulary:
    """The vocabulary in use, with the keyword thesaurus in use: every reader
    of sectors, types and keywords goes through here."""
    in_use = file_in_use(settings, VOCABULARY)
    try:
        raw = in_use.path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the vocabulary file {in_use.path}: {exc}") from None
    return parse_vocabulary(raw, in_use.path, load_thesaurus(file_in_use(settings, THESAURUS).path))


def synonyms_in_use(settings: Settings) -> Path:
    return file_in_use(settings, SYNONYMS).path


def read_synonym_groups(settings: Settings) -> list[list[str]]:
    """The groups of the synonyms file in use, as written."""
    path = synonyms_in_use(settings)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read the synonyms file {path}: {exc}") from None
    return [[str(m) for m in group] for group in data.get("groups", []) if isinstance(group, list)]


def synonyms_toml(groups: list[list[str]]) -> bytes:
    text = ("# Synonymes de la recherche, modifiés depuis /gestion/vocabulaires. Ce fichier\n"
            "# remplace celui livré avec docsearch tant qu'il existe.\n\n" + tomli_w.dumps({"groups": groups}))
    tomllib.loads(text)
    return text.encode("utf-8")


def read_thesaurus_terms(settings: Settings) -> list[list[str]]:
    """The thesaurus in use as lists: each term first, then its synonyms."""
    path = file_in_use(settings, THESAURUS).path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read the thesaurus file {path}: {exc}") from None
    return [[str(item["term"]), *(str(s) for s in item.get("synonyms", []))]
            for item in data.get("term", []) if isinstance(item, dict) and "term" in item]


def thesaurus_toml(terms: list[list[str]]) -> bytes:
    text = ("# Thésaurus des mots-clés, modifié depuis /gestion/vocabulaires. Ce fichier\n"
            "# remplace celui livré avec docsearch tant qu'il existe.\n\n"
            + tomli_w.dumps({"term": [{"term": t[0], "synonyms": t[1:]} for t in terms]}))
    tomllib.loads(text)
    return text.encode("utf-8")


def save_file(settings: Settings, file: VocabularyFile, raw: bytes) -> None:
    """Write the edited copy atomically, after checking it (a refused content
    raises ``UserError`` with the French problems)."""
    problems = file.problems(raw)
    if problems:
        raise UserError("; ".join(problems))
    write_atomic(file.edited(settings), raw)


Stamp = tuple[tuple[int, int, int] | None, ...]


def stamp(settings: Settings) -> Stamp:
    """Changes when an edited copy appears, changes or goes (a process that
    keeps a vocabulary in memory compares it before each use: one stat a file)."""
    found: list[tuple[int, int, int] | None] = []
    for file in VOCABULARY_FILES:
        try:
            st = os.stat(file.edited(settings))
        except OSError:
            found.append(None)
        else:
            found.append((st.st_ino, st.st_mtime_ns, st.st_size))
    return tuple(found)
