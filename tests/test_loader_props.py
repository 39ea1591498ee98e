"""Property tests (hypothesis) for the deck loader: whatever the bytes, text or YAML document, the
result is cards or located CardErrors, never another exception; loaded text holds no control
character but newline and tab; every message is one line."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdstudy.deck import Deck, load_deck
from gdstudy.errors import CardError

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def load_bytes(folder: Path, data: bytes) -> tuple[Path, Deck]:
    p = folder / "cards.yaml"
    p.write_bytes(data)
    return p, load_deck([], [p], check_demos=False)


def check(p: Path, deck: Deck) -> None:
    for e in deck.problems:
        assert isinstance(e, CardError)
        assert e.path == str(p)
        assert e.line is None or (isinstance(e.line, int) and e.line >= 1)
        assert "\n" not in str(e) and not CONTROL.search(e.message), repr(str(e))
    for c in deck.cards:
        for text in (c.id, c.front, c.back, c.source, *c.tags):
            assert isinstance(text, str) and not CONTROL.search(text), repr(text)
        if c.demo is not None:
            assert all(not CONTROL.search(v) for v in c.demo.params.values() if isinstance(v, str))


# -- strategies ------------------------------------------------------------------------------------

YAML_BITS = st.sampled_from([
    "- ", "-", ": ", ":", "? ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!str ", "!!python/object ", "!x ", "|", ">",
    "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "\n", "  ", "\t", "id", "front", "back", "tags", "source",
    "demo", "interview", "cards", "deck", "name", "params", "2001-02-30", "2001-02-03", "0b_", "0x_", "1e400",
    "1.0e+400", "9" * 5000, "~", "null", "yes", "true", ".inf", ".nan", "\\e", "\\x1b", "\\ud800", "\\u202e",
    "[/]", "[@click=app.quit]x[/]", "\x85", "\u2028", "\ufeff", "é", "a" * 300, "[" * 60, "]" * 60,
])
yaml_like = st.lists(YAML_BITS | st.text(max_size=8), max_size=60).map("".join)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40),
    st.dates(min_value=dt.date(1, 1, 1)), st.datetimes(),
    st.sampled_from(["[/]", "[@click=app.quit]x[/]", "\x1b]52;c;eA==\x07", "\x9b2J", "\u202etxt", "a\u200bb"]),
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10) | st.sampled_from(
        ["id", "front", "back", "tags", "source", "demo", "interview", "cards", "deck", "name", "params"]), inner, max_size=6),
    max_leaves=40,
)
card_values = st.one_of(scalars, st.lists(scalars, max_size=4), st.dictionaries(st.sampled_from(["name", "params", "x"]),
                        scalars | st.dictionaries(st.text(max_size=6), scalars, max_size=3), max_size=3))
cards = st.lists(st.fixed_dictionaries(
    {"id": st.from_regex(r"[a-z]{1,8}(-[a-z0-9]{1,4})?", fullmatch=True) | scalars, "front": scalars, "back": scalars,
     "tags": st.lists(scalars, max_size=4) | scalars, "source": scalars},
    optional={"demo": card_values, "interview": card_values},
), max_size=5)


def dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True).encode("utf-8", "surrogatepass")


# -- properties ------------------------------------------------------------------------------------


@PROPS
@given(data=st.binary(max_size=2000))
def test_random_bytes(folder: Path, data: bytes) -> None:
    check(*load_bytes(folder, data))


@PROPS
@given(text=yaml_like)
def test_random_yaml_like_text(folder: Path, text: str) -> None:
    check(*load_bytes(folder, text.encode("utf-8", "surrogatepass")))


@PROPS
@given(doc=documents)
def test_random_yaml_documents(folder: Path, doc: Any) -> None:
    check(*load_bytes(folder, dump(doc)))


@PROPS
@given(deck=cards, header=st.booleans())
def test_random_card_shaped_documents(folder: Path, deck: list, header: bool) -> None:
    doc: Any = {"deck": "d", "cards": deck} if header else deck
    p, result = load_bytes(folder, dump(doc))
    check(p, result)
    assert len(result.cards) + len(result.problems) >= min(len(deck), 1) or not deck
