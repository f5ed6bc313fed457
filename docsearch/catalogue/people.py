"""Authors: which embedded "author" values are people's names.

A PDF's /Author (an Office file's creator, an HTML page's author meta) is
whatever the authoring software was told: often a person ("DUBUS Vincent",
"B. Roullier", "BOUVIER, Maelle"), as often a login ("nicolas.saleille",
"mlrollandgagne", "r.salles"), a default ("Administrator", "office-2007"),
an acronym or an organisation ("SCN TRACFIN", "Etalab", "La République
Française", "Geomatikk AS", "ARDESS Haute-Normandie", "Ressourcerie du
Bocage"). ``person_names`` keeps only the names of people:
two to five words, one of them capitalised like a name ("Dupont", not only
capitals), no digit, no login punctuation, none of the words of
organisations and software defaults below. Of the 40 distinct /Author
values of the PDFs of ``../shared/realworld``, it keeps the 15 people and
rejects the 25 others (``tests/test_fields.py`` holds them; a surname alone,
"Villain", cannot be told from a login and is rejected).
"""

from __future__ import annotations

import re
import unicodedata

from docsearch.text import clean_line, fold

MAX_AUTHORS = 12
# Lower-case words inside names: "Charles de Gaulle", "Ludwig van Beethoven".
_PARTICLES = frozenset({"de", "du", "des", "d", "le", "la", "van", "von", "der", "den", "di", "da", "dos", "el",
                        "al", "y", "e", "ter", "zu", "af"})
# Words of organisations, services, software and account defaults (folded).
_NOT_PEOPLE_WORDS = """
user users utilisateur utilisateurs admin administrateur administrator administrateurs owner proprietaire
auteur author authors unknown inconnu anonyme anonymous guest invite microsoft office windows adobe word excel
powerpoint acrobat pc poste compte account service services direction mairie ville conseil association
federation union republique francaise francais ministere departement departemental region regional centre
groupe agence reseau collectif cooperative communication secretariat accueil pole mission cabinet bureau
comite observatoire institut fondation universite ecole chambre syndicat maison club team equipe
gouvernement prefecture commune communaute etat cress ess scop scic sarl sas sa as ag gmbh ltd inc llc bv nv
spa eurl ong copyright dsi dgs drh daf secretaire formation contact info infos support redaction
france normandie bretagne alsace aquitaine auvergne bourgogne champagne corse lorraine picardie provence
occitanie limousin poitou charentes franche comte rhone alpes loire ile pays haute basse hauts calvados manche
eure orne seine maritime paris lyon marseille lille rouen caen havre cherbourg nantes rennes bordeaux
toulouse strasbourg europe europeen europeenne national nationale international
"""
_NOT_PEOPLE = frozenset(_NOT_PEOPLE_WORDS.split())
# "Ressourcerie du Bocage", "Jardins de la Risle", "Maison des Associations":
# the links of organisations' names; people have a lone "de" ("Charles de Gaulle").
_ORGANISATION_LINK = re.compile(r"(?:^|\s)(?:du|des|de la|de l|d)(?:\s|$)")
# Articles that start the names of organisations, never of people.
_ARTICLES = frozenset({"le", "la", "les", "l", "the"})
_LOGIN = re.compile(r"[@_:\\/=#0-9]|^\S+\.\S+$|^[a-z]+$")


def person_names(value: str) -> list[str]:
    """The people's names in an embedded author value ("" or a login: none)."""
    names: list[str] = []
    for part in _split(clean_line(value)):
        name = part.strip(" .,;-")
        if looks_like_person(name) and name not in names:
            names.append(name)
    return names[:MAX_AUTHORS]


def looks_like_person(name: str) -> bool:
    """"Annick Maurel", "DUBUS Vincent", "BOUVIER, Maelle", "B. Roullier": yes;
    "nicolas.saleille", "Etalab", "SCN TRACFIN", "La République Française": no."""
    name = clean_line(name)
    if not name or len(name) > 80 or _LOGIN.search(name) or " - " in name:
        return False
    words = name.replace(",", " ").split()
    if not 2 <= len(words) <= 5 or not all(map(_is_word, words)):
        return False
    folded = [fold(w).strip(".'’") for w in words]
    if folded[0] in _ARTICLES or any(part in _NOT_PEOPLE for w in folded for part in w.split("-")):
        return False
    if _ORGANISATION_LINK.search(" ".join(folded)):
        return False
    names = [w for w, f in zip(words, folded) if f not in _PARTICLES]
    if len(names) < 2 or any(not _name_word(w) for w in names):
        return False
    # One word written like a name ("Dupont"), or a script without capitals (Thai, Chinese…).
    return any(w[0].isupper() and any(c.islower() for c in w) for w in names) or not any(
        c.isupper() or c.islower() for w in names for c in w)


def split_authors(value: str) -> list[str]:
    """Authors typed by staff: one per line or between semicolons ("BOUVIER, Maelle; Jean Dupont")."""
    return [clean_line(part) for part in re.split(r"[;\n]", value or "") if clean_line(part)]


def _is_word(word: str) -> bool:
    """Letters (with their combining marks: Thai, Hindi), inner hyphens, apostrophes, an initial's dot."""
    return word[0].isalpha() and all(c.isalpha() or unicodedata.category(c) in ("Mn", "Mc")
                                     or c in "'’.-" for c in word)


def _name_word(word: str) -> bool:
    """"Dupont", "DUBUS", "B.", "Huggins-Daines", "Benoît"; not "dupont"."""
    return word[0].isupper() or not (word[0].islower())


def _split(value: str) -> list[str]:
    """"A; B", "A et B", "A & B", "A and B", "Jean Dupont, Marie Martin" → the names;
    "BOUVIER, Maelle" stays one name (surname, given name)."""
    parts = [p for p in re.split(r"\s*(?:;|\s&\s|\set\s|\sand\s|\n)\s*", value) if p.strip()]
    names: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        if len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces):
            names += pieces
        else:
            names.append(part)
    return names
