"""The learned classifier against today's rules, by k-fold cross-validation.

    .venv/bin/python bench/learned.py [--folds 5] [--seeds 3] [--corpus DIR] [--cache DIR] [--curve] [--verbose]

The truth, for each document of the sample corpus:

* sectors: what staff filed it under — its sidecar's sectors, else its
  folder's sector, else its embedded keywords (never a sector the text
  suggested: a-trier/ and most web/ pages have none, and are not scored);
* type: the hand-written label of ``bench/labels/sample.tsv`` (as a code of
  the vocabulary today).

Each fold is held out in turn; the classifier (``docsearch.catalogue.learned.train``)
learns from the other documents as if staff had confirmed them, and guesses
the held-out ones. The held-out documents are resolved as dropped into a
corpus, under their bare file name and with no sidecar, so the rules can use
only what the file says (embedded metadata, text) — the same for both sides.

Printed, per field: the rules alone; the learned guess alone (when it is
above its threshold, and how often it is); and the two combined in both
orders — learned before the text rules, or only where the rules found
nothing. A sector is right when the first guessed sector is one of the true
ones. ``--curve`` adds accuracy by number of training records;
``--thresholds`` the accuracy and coverage of learned guesses by threshold.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.metadata import LABELS, REALWORLD, SAMPLE, _pipeline, extract, read_labels
from docsearch.catalogue import learned
from docsearch.catalogue.staff import read_sidecar


@dataclass
class Item:
    relpath: str
    title: str  # the rules' title (what the classifier sees at upload too)
    text: str
    true_sectors: tuple[str, ...]  # () when staff never said
    true_type: str
    rule_sectors: list[str]
    rule_sectors_origin: str
    rule_type: str
    rule_type_origin: str


def load_items(labels: Path, corpus: Path, cache: Path | None, blind: bool, sectors: bool = True) -> list[Item]:
    pipeline = _pipeline()
    vocab = pipeline.vocabulary
    items = []
    for label in read_labels(labels):
        path = corpus / label.file
        try:
            extracted = extract(path, pipeline, cache)
        except pipeline.extraction_error:
            continue
        truth: tuple[str, ...] = ()
        if sectors:
            staff, _ = read_sidecar(path.with_name(path.name + ".meta.toml"))
            filed = pipeline.resolve_metadata(label.file, extracted, staff, vocab)  # with the sidecar and folders
            truth = tuple(filed.sectors) if filed.origins.get("sectors") in ("staff", "path", "embedded") else ()
            truth = tuple(s for s in truth if s != "non-classe")
        name = PurePosixPath(label.file).name
        if blind:  # only the text: no file name, no embedded metadata
            extracted = replace(extracted, meta={})
            name = "document" + PurePosixPath(name).suffix
        bare = pipeline.resolve_metadata(name, extracted, pipeline.no_staff, vocab)
        items.append(Item(label.file, bare.title, "\n".join(extracted.pages), truth,
                          vocab.doctype_code(label.doctype) or label.doctype,
                          bare.sectors, bare.origins.get("sectors", ""), bare.doctype, bare.origins.get("doctype", "")))
    return items


def example(item: Item) -> learned.Example:
    return learned.Example(item.relpath, item.title, item.text, item.true_sectors, item.true_type)


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    def __str__(self) -> str:
        return f"{100 * self.right / self.total:5.1f}% ({self.right}/{self.total})" if self.total else "  n/a"


# The rules' origins that come before the learned candidate in resolve_metadata.
BEFORE = {"sectors": ("staff", "embedded", "path"), "doctype": ("staff", "path", "format")}


def folds(items: list[Item], k: int, seed: int) -> list[list[int]]:
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(items: list[Item], k: int, seeds: int, threshold: tuple[float, float] | None = None,
                   train_size: int | None = None, verbose: bool = False) -> dict[str, Tally]:
    tallies = {name: Tally() for name in (
        "sectors rules", "sectors learned (when sure)", "sectors learned before text", "sectors learned after text",
        "types rules", "types learned (when sure)", "types learned before text", "types learned after text")}
    for seed in range(seeds):
        for held in folds(items, k, seed):
            held_set = set(held)
            training = [example(items[i]) for i in range(len(items)) if i not in held_set]
            if train_size is not None:
                random.Random(seed).shuffle(training)
                training = training[:train_size]
            model = learned.train(training) if train_size is None or train_size >= learned.MIN_RECORDS else _train_anyway(training)
            if model is not None and threshold is not None:
                model = learned.LearnedModel(model.signature, model.records, model.sectors, model.doctype, *threshold)
            for i in held:
                _score(items[i], model, tallies, verbose)
    return tallies


def _train_anyway(examples: list[learned.Example]) -> learned.LearnedModel | None:
    """For the learning curve: a model below MIN_RECORDS, to see what it would do."""
    kept = learned.MIN_RECORDS
    learned.MIN_RECORDS = 1
    try:
        return learned.train(examples)
    finally:
        learned.MIN_RECORDS = kept


def _score(item: Item, model: learned.LearnedModel | None, tallies: dict[str, Tally], verbose: bool) -> None:
    sectors = model.predict_sectors(item.title, item.text) if model else None
    doctype = model.predict_doctype(item.title, item.text) if model else None
    if item.true_sectors:
        rules = item.rule_sectors[0]
        guess = sectors.codes[0] if sectors else None
        tallies["sectors rules"].add(rules in item.true_sectors)
        if guess:
            tallies["sectors learned (when sure)"].add(guess in item.true_sectors)
        before = rules if item.rule_sectors_origin in BEFORE["sectors"] or not guess else guess
        after = rules if item.rule_sectors_origin != "default" or not guess else guess
        tallies["sectors learned before text"].add(before in item.true_sectors)
        tallies["sectors learned after text"].add(after in item.true_sectors)
    if item.true_type:
        guess = doctype.codes[0] if doctype else None
        tallies["types rules"].add(item.rule_type == item.true_type)
        if guess:
            tallies["types learned (when sure)"].add(guess == item.true_type)
        before = item.rule_type if item.rule_type_origin in BEFORE["doctype"] or not guess else guess
        after = item.rule_type if item.rule_type_origin != "default" or not guess else guess
        tallies["types learned before text"].add(before == item.true_type)
        tallies["types learned after text"].add(after == item.true_type)
    if verbose:
        print(f"{item.relpath}: sectors {item.true_sectors} rules {item.rule_sectors}/{item.rule_sectors_origin} "
              f"learned {sectors}; type {item.true_type} rules {item.rule_type}/{item.rule_type_origin} learned {doctype}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3, help="repeat the k-fold with that many shuffles")
    parser.add_argument("--corpus", type=Path, default=SAMPLE)
    parser.add_argument("--cache", type=Path, default=None, help="extracted texts kept there between runs")
    parser.add_argument("--curve", action="store_true", help="accuracy by number of training records")
    parser.add_argument("--thresholds", action="store_true", help="learned accuracy and coverage by threshold")
    parser.add_argument("--set", choices=("sample", "sample-text", "realworld", "realworld-text"), default="sample",
                        help="sample: files as dropped (name and embedded metadata count); -text: only their text; "
                             "realworld: ../shared/realworld/fr, types only (its labels give no sector)")
    parser.add_argument("--realworld", type=Path, default=REALWORLD)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    blind = args.set.endswith("-text")
    if args.set.startswith("realworld"):
        items = load_items(LABELS / "realworld-fr.tsv", args.realworld, args.cache, blind, sectors=False)
    else:
        items = load_items(LABELS / "sample.tsv", args.corpus, args.cache, blind)
    print(f"{args.set}: {len(items)} documents: {sum(bool(i.true_sectors) for i in items)} with filed sectors, "
          f"{sum(bool(i.true_type) for i in items)} with a type label; {args.folds}-fold × {args.seeds} shuffles")
    for name, tally in cross_validate(items, args.folds, args.seeds, verbose=args.verbose).items():
        print(f"  {name:32} {tally}")
    if args.thresholds:
        for value in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            tallies = cross_validate(items, args.folds, args.seeds, threshold=(value, value))
            print(f"threshold {value:.1f}: sectors learned {tallies['sectors learned (when sure)']} "
                  f"before text {tallies['sectors learned before text']}; types learned {tallies['types learned (when sure)']} "
                  f"before text {tallies['types learned before text']}")
    if args.curve:
        for size in (5, 10, 15, 20, 30, 40):
            tallies = cross_validate(items, args.folds, args.seeds, train_size=size)
            print(f"{size:3} training records: sectors rules {tallies['sectors rules']} learned-before-text "
                  f"{tallies['sectors learned before text']}; types rules {tallies['types rules']} learned-before-text "
                  f"{tallies['types learned before text']}")


if __name__ == "__main__":
    main()
