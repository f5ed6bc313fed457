"""`docsearch learn`: the classifier trained after `add` and `remove` have answered."""

from __future__ import annotations

from click.testing import CliRunner

from docsearch.catalogue import learned
from docsearch.catalogue.learned import learned_path, load_model
from docsearch.cli import cli
from docsearch.config import Settings
from docsearch.index.update import update_index
from tests.test_learned import confirmed_corpus


def run(settings: Settings, *args: str):
    return CliRunner().invoke(cli, ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
                                    "--instance", str(settings.instance_dir), *args])


def test_learn_trains_on_the_confirmed_records_the_index_holds(settings: Settings) -> None:
    confirmed_corpus(settings.corpus_dir, learned.MIN_RECORDS + 3)
    report = update_index(settings, learn=False)
    assert report.learn and load_model(learned_path(settings.instance_dir)) is None  # left to the caller
    result = run(settings, "learn")
    assert result.exit_code == 0, result.output
    assert f"trained on {learned.MIN_RECORDS + 3} confirmed records" in result.output
    model = load_model(learned_path(settings.instance_dir))
    assert model is not None and model.records == learned.MIN_RECORDS + 3
    # Nothing changed since: the same model, not trained again.
    assert run(settings, "learn").exit_code == 0
    assert load_model(learned_path(settings.instance_dir)) == model


def test_learn_with_too_few_records_says_so(settings: Settings) -> None:
    confirmed_corpus(settings.corpus_dir, 2)
    update_index(settings, learn=False)
    result = run(settings, "learn")
    assert result.exit_code == 0 and "too few confirmed records" in result.output
