"""Sector and document type learned from the records staff confirmed.

Staff-confirmed records are those whose sidecar gives the sectors or the
type (origin "staff"). ``train`` fits, with scikit-learn, a TF-IDF over the
folded words of the title and the start of the text, and a logistic
regression per field: one-vs-rest for sectors (a document may have several),
multinomial for the type (one). The model is kept as plain JSON — the words,
their IDF and their weight per class — so that predicting needs neither
scikit-learn nor unpickling a file: ``load_model`` reads it, and anything
wrong with the file (missing, truncated, another version) is "no model",
never an error. Codes come from the vocabulary of the records themselves;
a code the vocabulary no longer has is dropped when the model is applied.

The numbers below were measured by ``bench/learned.py`` (k-fold on the
sample corpus; the figures are in the README).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docsearch.corpus.atomic import write_atomic
from docsearch.text import fold

MODEL_VERSION = 1
MODEL_FILE = "learned-model.json"
# Fewer confirmed records than this and no model is trained. On the sample
# corpus's folds (text only, bench/learned.py --set sample-text --curve), a
# model of 20 records put as many sectors right as the keyword rules (92.7 %)
# but fewer types (97.4 % vs 100 %); from 30 on, as many or more of both.
MIN_RECORDS = 30
# A class needs this many confirmed examples to be learned at all.
MIN_EXAMPLES = 2
# A guess is used only at or above these probabilities (bench/learned.py
# --thresholds): sample-text sectors 94–95 % right at 0.2–0.4, 100 % from 0.5;
# real types 60 % at 0.3, 83 % at 0.5. Higher is surer but guesses less, and
# fewer types end right (real: 46.0 % at 0.6 with the rules, 50.2 % at 0.5).
SECTOR_THRESHOLD = 0.5
DOCTYPE_THRESHOLD = 0.5
MAX_SECTORS = 3
# The title and the first characters of the text (a long report's first
# pages). Measured at 0.5: 5,000 chars put fewer right (sample-text sectors
# 94.3 %, real types 47.4 %), 100,000 more real types (53.5 %) but with more
# wrong guesses (78.4 % of them right vs 83.0 %) and five times the text to read.
TEXT_CHARS = 20_000
TITLE_REPEAT = 3  # the title's words count this many times (1: within one document of 3)
MAX_TERMS = 20_000  # words kept in the model (the most frequent)
# Inverse of the regularisation strength, measured on the folds (at 0.5): with
# C=1 the model is almost never sure (0 sector guesses of 123 on sample-text);
# C=100 guesses more but worse (sectors 94.5 % right, 92.7 % with the rules,
# vs 100 % and 95.1 % at C=10; real types 73.7 % right vs 83.0 %).
REGULARISATION_C = 10.0

_WORD = re.compile(r"[^\W\d_]{3,}")


def learned_path(instance_dir: Path) -> Path:
    return instance_dir / MODEL_FILE


@dataclass(frozen=True)
class Example:
    """One confirmed record: its text, and what staff said (empty: not said)."""

    key: str  # the document's id and fingerprint: the training signature changes with them
    title: str
    text: str
    sectors: tuple[str, ...] = ()
    doctype: str = ""


@dataclass(frozen=True)
class Prediction:
    codes: tuple[str, ...]  # one code for the type, up to MAX_SECTORS sectors
    confidence: float  # 0–1: the probability of the least sure of the codes


def words(title: str, text: str) -> list[str]:
    """The analysed words of a document: folded (no case, no accents), letters only."""
    head = fold(text[:TEXT_CHARS])
    return _WORD.findall(fold(title)) * TITLE_REPEAT + _WORD.findall(head)


@dataclass(frozen=True)
class _Linear:
    """A linear model over TF-IDF: sublinear term frequency, L2-normalised
    (exactly what scikit-learn's TfidfVectorizer(sublinear_tf=True) computes)."""

    classes: tuple[str, ...]
    idf: dict[str, float]
    weights: dict[str, tuple[float, ...]]  # word → one weight per class
    intercept: tuple[float, ...]
    multinomial: bool  # softmax over the classes (type), else one sigmoid per class (sectors)

    def probabilities(self, tokens: Sequence[str]) -> dict[str, float]:
        counts = Counter(t for t in tokens if t in self.idf)
        vector = {t: (1.0 + math.log(n)) * self.idf[t] for t, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        scores = list(self.intercept)
        for term, value in vector.items():
            for k, weight in enumerate(self.weights.get(term, ())):
                scores[k] += weight * value / norm
        if self.multinomial:
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            return {c: e / total for c, e in zip(self.classes, exps)}
        return {c: 1.0 / (1.0 + math.exp(-s)) for c, s in zip(self.classes, scores)}

    def as_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "idf": self.idf, "intercept": list(self.intercept),
                "weights": {t: list(w) for t, w in self.weights.items()}, "multinomial": self.multinomial}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Linear:
        classes = tuple(str(c) for c in data["classes"])
        intercept = tuple(float(b) for b in data["intercept"])
        weights = {str(t): tuple(float(x) for x in w) for t, w in data["weights"].items()}
        if len(intercept) != len(classes) or any(len(w) != len(classes) for w in weights.values()):
            raise ValueError("weights do not match the classes")
        return cls(classes, {str(t): float(v) for t, v in data["idf"].items()}, weights, intercept,
                   bool(data["multinomial"]))


@dataclass(frozen=True)
class LearnedModel:
    signature: str  # of the examples it was trained on: the same examples need no retraining
    records: int  # confirmed records it learned from
    sectors: _Linear | None
    doctype: _Linear | None
    sector_threshold: float = SECTOR_THRESHOLD
    doctype_threshold: float = DOCTYPE_THRESHOLD

    def predict_sectors(self, title: str, text: str, known: Iterable[str] | None = None) -> Prediction | None:
        """The sectors at or above the threshold, surest first; None if none is."""
        if self.sectors is None:
            return None
        allowed = None if known is None else set(known)
        ranked = sorted(self.sectors.probabilities(words(title, text)).items(), key=lambda item: -item[1])
        chosen = [(c, p) for c, p in ranked if p >= self.sector_threshold and (allowed is None or c in allowed)]
        chosen = chosen[:MAX_SECTORS]
        if not chosen:
            return None
        return Prediction(tuple(c for c, _ in chosen), min(p for _, p in chosen))

    def predict_doctype(self, title: str, text: str, known: Iterable[str] | None = None) -> Prediction | None:
        """The most probable type, if it is at or above the threshold."""
        if self.doctype is None:
            return None
        allowed = None if known is None else set(known)
        ranked = sorted(self.doctype.probabilities(words(title, text)).items(), key=lambda item: -item[1])
        for code, probability in ranked[:1]:
            if probability >= self.doctype_threshold and (allowed is None or code in allowed):
                return Prediction((code,), probability)
        return None

    def as_json(self) -> dict[str, Any]:
        return {"version": MODEL_VERSION, "signature": self.signature, "records": self.records,
                "sectors": self.sectors.as_json() if self.sectors else None,
                "doctype": self.doctype.as_json() if self.doctype else None}


def signature(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256(f"v{MODEL_VERSION}".encode())
    for example in sorted(examples, key=lambda e: e.key):
        digest.update(json.dumps([example.key, sorted(example.sectors), example.doctype]).encode("utf-8"))
    return digest.hexdigest()[:20]


def train(examples: Sequence[Example]) -> LearnedModel | None:
    """A model of the confirmed records, or None when there are too few of them."""
    sector_examples = [e for e in examples if e.sectors]
    type_examples = [e for e in examples if e.doctype]
    if max(len(sector_examples), len(type_examples)) < MIN_RECORDS:
        return None
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    # One BLAS thread: on this 2-core machine, shared, the default threads made
    # the 16 fits of the sample corpus take 7.4 s instead of 0.5 s.
    # Each example's words once, for both fits (analysing them twice was 3.4 s of 11 s at 2,000 examples).
    analysed = {e.key: words(e.title, e.text) for e in examples}
    with threadpool_limits(limits=1):
        sectors = _fit_sectors(sector_examples, analysed) if len(sector_examples) >= MIN_RECORDS else None
        doctype = _fit_doctype(type_examples, analysed) if len(type_examples) >= MIN_RECORDS else None
    if sectors is None and doctype is None:
        return None
    return LearnedModel(signature(examples), len({e.key for e in sector_examples + type_examples}), sectors, doctype)


def _fit_sectors(examples: Sequence[Example], analysed: dict[str, list[str]]) -> _Linear | None:
    counts = Counter(code for e in examples for code in set(e.sectors))
    classes = sorted(c for c, n in counts.items() if MIN_EXAMPLES <= n < len(examples))
    if not classes:
        return None
    matrix, idf = _tfidf([analysed[e.key] for e in examples])
    from sklearn.linear_model import LogisticRegression

    weights, intercept = [], []
    for code in classes:
        # liblinear: a two-class problem per sector, 0.1 s for the 14 sectors of the sample corpus.
        model = LogisticRegression(C=REGULARISATION_C, solver="liblinear", max_iter=1000)
        model.fit(matrix, [code in e.sectors for e in examples])
        weights.append(model.coef_[0])
        intercept.append(float(model.intercept_[0]))
    return _linear(classes, idf, weights, intercept, multinomial=False)


def _fit_doctype(examples: Sequence[Example], analysed: dict[str, list[str]]) -> _Linear | None:
    counts = Counter(e.doctype for e in examples)
    kept = [e for e in examples if counts[e.doctype] >= MIN_EXAMPLES]
    classes = sorted({e.doctype for e in kept})
    if len(classes) < 2:
        return None
    matrix, idf = _tfidf([analysed[e.key] for e in kept])
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=REGULARISATION_C, max_iter=1000)
    model.fit(matrix, [e.doctype for e in kept])
    order = [list(model.classes_).index(c) for c in classes]
    if len(classes) == 2:  # scikit-learn keeps one row for two classes: as a softmax, ±half of it
        row = model.coef_[0]
        weights, intercept = [-row / 2, row / 2], [-float(model.intercept_[0]) / 2, float(model.intercept_[0]) / 2]
    else:
        weights = [model.coef_[k] for k in order]
        intercept = [float(model.intercept_[k]) for k in order]
    return _linear(classes, idf, weights, intercept, multinomial=True)


@dataclass(frozen=True)
class _Terms:
    idf: dict[str, float]
    columns: dict[str, int]  # word → its column in the matrix


def _tfidf(documents: list[list[str]]) -> tuple[Any, _Terms]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=_same, sublinear_tf=True, max_features=MAX_TERMS)
    matrix = vectorizer.fit_transform(documents)
    columns = {str(term): int(column) for term, column in vectorizer.vocabulary_.items()}
    return matrix, _Terms({term: float(vectorizer.idf_[column]) for term, column in columns.items()}, columns)


def _same(tokens: list[str]) -> list[str]:
    return tokens  # the documents are already analysed (``words``)


def _linear(classes: Sequence[str], terms: _Terms, weights: Sequence[Any], intercept: Sequence[float],
            multinomial: bool) -> _Linear:
    idf, columns = terms.idf, terms.columns
    per_term = {term: tuple(round(float(w[column]), 6) for w in weights) for term, column in columns.items()}
    return _Linear(tuple(classes), {t: round(v, 6) for t, v in idf.items()}, per_term,
                   tuple(intercept), multinomial)


def save_model(path: Path, model: LearnedModel | None) -> None:
    """Write the model atomically; None removes it (too few confirmed records now)."""
    if model is None:
        path.unlink(missing_ok=True)
        return
    write_atomic(path, json.dumps(model.as_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def load_model(path: Path) -> LearnedModel | None:
    """The model at ``path``; None when there is none or it cannot be read
    (no learned guesses then — never an error)."""
    try:
        data = json.loads(path.read_bytes())
        if data.get("version") != MODEL_VERSION:
            return None
        return LearnedModel(
            signature=str(data["signature"]), records=int(data["records"]),
            sectors=_Linear.from_json(data["sectors"]) if data.get("sectors") else None,
            doctype=_Linear.from_json(data["doctype"]) if data.get("doctype") else None,
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def model_signature(path: Path) -> str:
    """The signature of the model on disk, "" if none is readable."""
    model = load_model(path)
    return model.signature if model else ""


def retrain(path: Path, examples: Sequence[Example]) -> LearnedModel | None:
    """Train again if the confirmed records changed since the model on disk; the model now in use."""
    current = load_model(path)
    if current is not None and current.signature == signature(examples):
        return current
    if current is None and len(examples) < MIN_RECORDS and not path.exists():
        return None
    model = train(examples)
    save_model(path, model)
    return model
