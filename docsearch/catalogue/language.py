"""A document's language: detected from its text, or as staff wrote it.

``detect_language(pages)`` compares the words of the text with the most
frequent function words of French, English, German, Spanish, Italian,
Dutch, Portuguese and Russian (a word several languages share counts for
each of them in part), and recognises Korean, Japanese, Chinese, Greek,
Arabic and Hebrew by their script. It answers an ISO 639-1 code, or "" when
the text is too short or too mixed to tell. Measured on the real files of
``../shared/realworld`` (``bench/language.py``): see the README, "Catalogue
fields".

``iso_language`` reads what staff write in a sidecar's ``langue`` ("fr",
"fra+eng" as the OCR form writes it, "anglais", "English") as one code; the
first language named wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from docsearch.text import fold

# ISO 639-1 code → its name, as the pages show it (the staff form's choices, in this order).
LANGUAGE_NAMES = {
    "fr": "français", "en": "anglais", "de": "allemand", "es": "espagnol", "it": "italien", "nl": "néerlandais",
    "pt": "portugais", "br": "breton", "oc": "occitan", "eu": "basque", "ca": "catalan", "ru": "russe",
    "ar": "arabe", "zh": "chinois", "ja": "japonais", "ko": "coréen", "el": "grec", "he": "hébreu",
    "pl": "polonais", "cs": "tchèque", "ro": "roumain", "tr": "turc",
}
# Other ways of naming them (folded): ISO 639-2 codes (Tesseract's), French and English names.
_ALIASES = {
    "fra": "fr", "fre": "fr", "francais": "fr", "french": "fr",
    "eng": "en", "anglais": "en", "english": "en",
    "deu": "de", "ger": "de", "allemand": "de", "german": "de", "deutsch": "de",
    "spa": "es", "espagnol": "es", "spanish": "es", "espanol": "es",
    "ita": "it", "italien": "it", "italian": "it", "italiano": "it",
    "nld": "nl", "dut": "nl", "neerlandais": "nl", "dutch": "nl", "nederlands": "nl",
    "por": "pt", "portugais": "pt", "portuguese": "pt", "bre": "br", "breton": "br",
    "oci": "oc", "occitan": "oc", "eus": "eu", "baq": "eu", "basque": "eu", "cat": "ca", "catalan": "ca",
    "rus": "ru", "russe": "ru", "russian": "ru", "ara": "ar", "arabe": "ar", "arabic": "ar",
    "chi": "zh", "zho": "zh", "chi_sim": "zh", "chinois": "zh", "chinese": "zh", "jpn": "ja", "japonais": "ja",
    "kor": "ko", "coreen": "ko", "ell": "el", "gre": "el", "grec": "el", "heb": "he", "hebreu": "he",
    "pol": "pl", "polonais": "pl", "ces": "cs", "cze": "cs", "tcheque": "cs", "ron": "ro", "rum": "ro",
    "roumain": "ro", "tur": "tr", "turc": "tr",
}

# The most frequent function words of each language (lower case, accents
# kept: "é", "è" and "está" tell languages apart). Elided French particles
# ("l'", "d'", "qu'") are words of their own once the text is split.
_PROFILES = {
    "fr": """le la les des du de et est une un pour dans que qui sur pas par au aux ce cette ces avec sont
             ou plus nous vous il ils elle leur leurs été être mais ne se sa son ses l d qu été à où très
             aussi comme tout tous entre sous chez dont était ont avons peut fait""",
    "en": """the and of to in is that for it with as was on are be by this have from or an not which at
             you they their has were will can would there been its but all also more these other than
             into about such""",
    "de": """der die das und ist nicht mit den dem des ein eine auf für von zu sich auch als wird werden
             sind bei oder nach wie im aus einer eines einem zum zur über durch noch nur kann haben hat
             wurde diese dieser""",
    "es": """el los las del y que por con para una es se al lo como más pero sus su ya fue este está
             son entre cuando muy sin sobre también hay desde todo ha han esta porque puede donde
             según""",
    "it": """il di che è per gli della delle dei degli del non con si sono nel nella alla al anche come
             più ma da questo essere ha una un le la l all dalla sul sulla tra fra questa loro stato
             molto""",
    "nl": """de het een en van is dat op te in voor niet met zijn er aan ook als bij maar dan om wordt
             door naar hij ze wij worden deze nog kan hebben heeft werd uit over tot zich geen""",
    "pt": """o os da do das dos e que em um uma para com não no na se por mais como mas foi ao ele ela
             são pelo pela também já está seu sua isso entre quando muito nos há""",
    "ru": """и в не на что с по как это он к но из у за от то она так его же все был для мы вы они
             или бы было при уже""",
}
_WEIGHTS: dict[str, dict[str, float]] = {}
for _code, _words in _PROFILES.items():
    for _word in _words.split():
        _WEIGHTS.setdefault(_word, {})[_code] = 1.0
for _word, _langs in _WEIGHTS.items():  # a word three languages share counts a third for each
    for _code in _langs:
        _langs[_code] = 1.0 / len(_langs)

_WEIGHT_ITEMS = {word: tuple(langs.items()) for word, langs in _WEIGHTS.items()}
_BEYOND_LATIN = re.compile("[^\x00-\u02ff]")

# Scripts that name their language by themselves, by the first word of their Unicode character names.
_SCRIPTS = {"HANGUL": "ko", "HIRAGANA": "ja", "KATAKANA": "ja", "CJK": "zh", "GREEK": "el", "ARABIC": "ar",
            "HEBREW": "he"}
_WORD = re.compile(r"[^\W\d_]+")
SAMPLE_CHARS = 20_000  # of the text read: the start of a long report tells its language as well as the whole
MIN_SCORE = 1.0  # function words found, at least (a five-word slide title still tells)
MARGIN = 2.0  # the best language scores at least this many times the next one
SCRIPT_SHARE = 0.3  # of the letters, for a script to name the language


def detect_language(pages: Iterable[str]) -> str:
    """The ISO 639-1 code of the text's language, "" if it cannot be told."""
    text = ""
    for page in pages:
        text += page + "\n"
        if len(text) >= SAMPLE_CHARS:
            break
    text = text[:SAMPLE_CHARS]
    by_script = _script_language(text)
    if by_script:
        return by_script
    scores: dict[str, float] = {}
    # Weights added one word at a time, in the text's order, as ever: float sums depend on it.
    for word in _WORD.findall(text.lower()):
        weights = _WEIGHT_ITEMS.get(word)
        if weights is not None:
            for code, weight in weights:
                scores[code] = scores.get(code, 0.0) + weight
    if not scores:
        return ""
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return best if score >= MIN_SCORE and score >= MARGIN * second else ""


def _script_language(text: str) -> str:
    """The language a non-Latin script names, when most letters are in it (Cyrillic is read by its words)."""
    # Only letters beyond U+02FF are counted: a text without any (most of them, Latin) names
    # no script, found by one scan in C instead of a list of its 20,000 letters (bench/guesses.py,
    # detect_language per document: 2,000 web pages 0.83 → 0.37 ms, 2,000 PDFs 1.10 → 0.72 ms).
    if not any(c.isalpha() for c in _BEYOND_LATIN.findall(text)):
        return ""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return ""
    scripts: Counter[str] = Counter()
    for char in letters[:5000]:
        if ord(char) > 0x2FF:
            scripts[unicodedata.name(char, "").split(" ", 1)[0]] += 1
    for script, count in scripts.most_common(3):
        if script in _SCRIPTS and count >= SCRIPT_SHARE * min(len(letters), 5000):
            return _SCRIPTS[script]
    return ""


def iso_language(value: str) -> str:
    """The first language ``value`` names ("fra+eng" → "fr", "Anglais" → "en"), "" if none is known."""
    for item in re.split(r"[+,;/\s]+", value or ""):
        key = fold(item.strip())
        if key in LANGUAGE_NAMES:
            return key
        if key in _ALIASES:
            return _ALIASES[key]
    return ""


def language_name(code: str) -> str:
    """"fr" → "français"; an unknown code as it is."""
    return LANGUAGE_NAMES.get(code, code)
