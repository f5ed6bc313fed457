"""The words of a document's file name, as text the French analysis reads.

A visitor remembers "rattachement-candidats" or "RapportActivite2012": the
file name is split on hyphens, underscores, dots, camelCase and the border
between letters and digits, so that ``rattachement candidats`` or
``rapport activité 2012`` find it (the analysis then folds accents and
stems as for any text). The extension is left out: "pdf" is no word of the
document. The words go to their own field, weighted low in
``engine.query.TEXT_FIELDS``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_SEPARATORS = re.compile(r"[-_.+~,;()\[\]{}]+")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])|(?<=[A-ZÀ-Þ])(?=[A-ZÀ-Þ][a-zà-ÿ])")
_DIGITS = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def filename_words(relpath: str) -> str:
    """"a-trier/rattachement_candidatsLG2017.pdf" → "rattachement candidats LG 2017"."""
    stem = PurePosixPath(relpath).name
    suffix = PurePosixPath(stem).suffix
    if suffix and len(suffix) <= 6:
        stem = stem[: -len(suffix)]
    text = _SEPARATORS.sub(" ", stem)
    text = _CAMEL.sub(" ", text)
    return " ".join(_DIGITS.sub(" ", text).split())
