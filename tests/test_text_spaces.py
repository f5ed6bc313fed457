"""clean_text's whitespace: every space Python knows is normalised, as before the pattern was sped up."""

import random
import re

from docsearch.text import OTHER_SPACES, clean_text


def test_other_spaces_are_every_space_but_space_and_line_feed() -> None:
    listed = set(re.findall(f"[{OTHER_SPACES}]", "".join(map(chr, range(0x110000)))))
    assert listed == {ch for ch in map(chr, range(0x110000)) if ch.isspace()} - {" ", "\n"}


def test_runs_of_spaces_become_one_space_and_lines_stay() -> None:
    assert clean_text("un\t\u00a0 deux  trois\u2003quatre\n cinq \u3000\n\n\n six") == "un deux trois quatre\ncinq\n\nsix"
    pieces = ["mot", " ", "  ", "\t", "\u00a0", "\u2009", "\n", "é", "-"]
    rng = random.Random(4)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in clean_text(text).split("\n")]
        assert clean_text(text).split("\n") == lines
