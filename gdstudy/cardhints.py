"""How to fix a card-file problem: a one-line example for each kind of `CardError` the deck loader
reports, printed by `gdstudy cards check` under the error. The rules match the loader's messages
(gdstudy.deck, gdstudy.safeyaml, gdstudy.deckfiles); `tests/test_userdeck.py` checks that every kind
of problem gets a specific hint, not the fallback."""

from __future__ import annotations

import re

from gdstudy.errors import CardError

__all__ = ["fix_hint", "FALLBACK"]

FALLBACK = "see docs/cards.md for the card format; a minimal card: `- {front: Q?, back: A, tags: [t]}`"

_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), h) for p, h in [
    (r"card is missing 'id'", "the shipped deck needs ids: `id: sgd-step-size` (lowercase, digits, hyphens)"),
    (r"card is missing 'source'", "the shipped deck cites its note: `source: 000_e0c09ec66bc19b89.txt § Mini-batches`"),
    (r"card is missing 'front'", "add the question: `front: What does one SGD step compute?`"),
    (r"card is missing 'back'", "add the answer: `back: The gradient on one sampled example, then w -= lr * g`"),
    (r"card is missing 'tags'", "add at least one tag: `tags: [sgd]`"),
    (r"must be a slug", "use lowercase letters, digits and single hyphens: `id: minibatch-variance` (or leave id out)"),
    (r"duplicate id '[^']*': already used by the shipped deck", "give your card its own id: `id: my-minibatch-variance`"),
    (r"duplicate id", "ids are unique across decks: rename one, e.g. `id: sgd-step-size-2` (same question twice? give one an id)"),
    (r"unknown key '[^']*' in 'demo'", "a demo is a name or `demo: {name: variance, params: {trials: 500}}`"),
    (r"unknown key", "allowed keys are id, front, back, tags, source, demo, interview, refs: `tags: [sgd]`"),
    (r"unknown deck key", "a deck header has deck, description, notes and cards: `deck: my-cards`"),
    (r"duplicate key", "give each key once per card: delete the second `front:` (or rename it)"),
    (r"'tags' must be a list", "write tags as a list: `tags: [sgd, minibatch]`"),
    (r"'refs' must be", "write refs as a list of texts: `refs: [\"Bottou 2010, §3\"]`"),
    (r"'interview' must be true or false", "`interview: true` (or leave it out)"),
    (r"'demo' needs a 'name'|'demo' must be a demo name", "`demo: variance` or `demo: {name: variance, params: {trials: 500}}`"),
    (r"'demo\.params' must be a mapping", "`params: {trials: 500, batch: 32}`"),
    (r"demo\.params\.[^ ]* .*is not a valid", "give a plain value: `params: {lr: 0.1}`"),
    (r"unknown demo|no demo named|demo '", "list the demos with `gdstudy demo list`, then `demo: variance`"),
    (r"card '[^']*': ", "fix the demo parameters: `gdstudy demo list` shows each demo's parameters"),
    (r"'notes' must map|'notes\.", "`notes: {000_e0c09ec66bc19b89.txt: \"Personal note: SGD\"}`"),
    (r"must be text, got .*put it in quotes", "quote it: `front: \"2001-02-30\"` or `back: \"yes\"`"),
    (r"must be text", "give text: `front: What is an epoch?`"),
    (r"is empty", "write something, or delete the key: `back: One pass over the whole training set`"),
    (r"over the .*-character limit|over the limit of", "shorten it, or split the card in two: `- front: part 1 ...` and `- front: part 2 ...` (limits: docs/reliability.md)"),
    (r"a card must be a mapping", "each card is a mapping: `- front: Q?` then `  back: A` and `  tags: [t]`"),
    (r"'cards' must be a list|has no 'cards:' list", "under the header: `cards:` then `  - front: Q?` ..."),
    (r"a card file must be a list", "start with `- front: Q?` (a list of cards) or `cards:` under a header"),
    (r"YAML syntax error", "check indentation and quotes on that line: `front: \"Why: this?\"` (quote text with `: `)"),
    (r"YAML tag .* is not allowed", "remove the `!!tag`: `front: plain text`"),
    (r"anchors and aliases", "write the text out instead of `&anchor` / `*alias`"),
    (r"nested deeper", "cards are flat mappings: `- {front: Q?, back: A, tags: [t]}`"),
    (r"one YAML document", "remove the second `---`, or put those cards in a file of their own"),
    (r"not UTF-8", "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.yaml > out.yaml`)"),
    (r"binary file", "a card file is YAML text; move this file out of the deck folder"),
    (r"byte cap|line cap", "split the file: `cards/part-1.yaml`, `cards/part-2.yaml`"),
    (r"is not allowed in a YAML file", "delete the invisible character on that line, or write it escaped: `front: \"a\\u001bb\"`"),
    (r"keys must be plain names", "write `key: value`, e.g. `front: Q?`"),
    (r"broken symbolic link|no such file", "fix the path, or remove it from `decks` in the config (`gdstudy cards path` lists them)"),
    (r"not a regular file|cannot read", "point the deck at card files (.yaml) you can read: `gdstudy cards path`"),
]]


def fix_hint(error: CardError) -> str:
    """A one-line example of the fix for `error` (FALLBACK when no rule matches)."""
    for pattern, hint in _RULES:
        if pattern.search(error.message):
            return hint
    return FALLBACK
