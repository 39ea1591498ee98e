"""Content checks for the shipped deck in cards/: every required concept from the user's notes has a
card, ids/sources/demo links are sound, and every back reads like an interview answer (short, no LaTeX).
The format itself (keys, types, YAML safety) is the loader's job; the last test runs it on the deck."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _notes_dir() -> Path:
    """The user's source notes, present in a dev checkout only: $GDSTUDY_NOTES_DIR, else ../shared/notes
    beside the checkout (or beside its parent, as for a worktree under wt/)."""
    env = os.environ.get("GDSTUDY_NOTES_DIR")
    if env:
        return Path(env)
    near = ROOT.parent / "shared" / "notes"
    far = ROOT.parent.parent / "shared" / "notes"
    return near if near.is_dir() or not far.is_dir() else far


NOTES_DIR = _notes_dir()

NOTE_FILES = (
    "000_e0c09ec66bc19b89.txt",
    "001_e13f089455f4b340.txt",
    "002_4563b932c3c43359.txt",
    "003_cc16fd243074cc18.txt",
    "004_7dc5dca5d2e017b4.txt",
)

# One slug per concept the deck must teach (issues 4 and 10). A concept is covered when some card has it
# as its id or carries it as a tag.
REQUIRED_TAGS = {
    "batch-gd-average": "batch GD averages the per-example gradients",
    "full-batch-cost": "why full-batch gradient descent is expensive",
    "update-rule": "the update rule θ ← θ − η∇L",
    "negative-gradient": "why we subtract the gradient",
    "learning-rate": "learning rate as step size; too large / too small",
    "guaranteed-progress": "guaranteed progress only with a small enough step on the full-data gradient",
    "gd-variants": "batch vs stochastic vs mini-batch and their trade-offs",
    "sgd-update": "SGD's per-example update",
    "why-stochastic": "why SGD is called stochastic (random sampling / random order)",
    "early-progress": "SGD makes progress before seeing all the data",
    "noisy-gradients": "single-example gradients are noisy",
    "vectorisation": "S=1 loses vectorisation and GPU parallelism",
    "epoch": "what an epoch is",
    "updates-per-epoch": "updates per epoch for batch GD, SGD and mini-batch",
    "reshuffling": "reshuffling the data every epoch",
    "with-vs-without-replacement": "random example each step vs reshuffled epochs",
    "unbiased-gradient": "the mini-batch gradient is an unbiased estimate",
    "minibatch-compromise": "mini-batches as the compromise between SGD and batch GD",
    "minibatch-algorithm": "the mini-batch training loop",
    "minibatch-loss": "the mini-batch loss approximates the full loss (sum vs mean)",
    "minibatch-variance": "mini-batch gradient variance σ²/S",
    "without-replacement": "exact variance without replacement, σ²/S·(N−S)/(N−1)",
    "redundancy": "SGD exploits redundancy in the data",
    "escape-local-minima": "noise helps escape local minima and saddle points",
    "saddle-points": "saddle points are common in high dimension",
    "ill-conditioning": "fast along one direction, slow along another, zig-zag",
    "regularization-curvature": "regularization adds curvature everywhere",
    "oscillation-near-minimum": "constant-step SGD oscillates near the minimum",
    "learning-rate-decay": "why learning-rate decay helps",
    "drunk-man": "the 'drunk man stumbling quickly downhill' picture",
    "batch-size-memory": "batch size as large as memory allows",
    "powers-of-two": "the powers-of-2 convention (a convention, not a law)",
    "batch-size-extremes": "large batch ≈ batch GD, small batch ≈ SGD",
    "any-loss": "same procedure for regression and classification losses",
    "symmetry-breaking": "random rather than zero initialization (symmetry)",
    "dataset-size": "deep models do best with more data; performance keeps improving with dataset size",
}

# Demos that the first demo issue ships; a link must name one of these *and* exist in this build.
# the demos of the core issue and of the remaining-demos issue
KNOWN_DEMOS = {
    "minibatch", "epoch", "unbiased", "variance", "symmetry",
    "learning-rate", "conditioning", "saddle", "local-minima", "redundancy",
    "noise-floor", "trajectory", "throughput", "data-parallel",
    "rates", "momentum", "adam", "accumulation", "clipping", "noise-scale", "implicit-bias",  # issue 23
}

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CARD_KEYS = {"id", "front", "back", "tags", "source", "demo", "interview", "refs"}
MAX_BACK_CHARS = 700
MAX_BACK_SENTENCES = 4


def _cards_dir() -> Path:
    local = ROOT / "cards"
    if local.is_dir():
        return local
    from gdstudy.paths import shipped_cards_dir  # installed copy without a checkout

    return shipped_cards_dir()


def _load_files() -> list[tuple[Path, dict]]:
    out = []
    for path in sorted(_cards_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and isinstance(data.get("cards"), list), f"{path.name}: no deck header"
        out.append((path, data))
    return out


FILES = _load_files()
CARDS = [(path, c) for path, data in FILES for c in data["cards"]]
# the notes deck cites note sections; the beyond-the-notes deck cites the literature (refs:) instead
NOTE_FILES_ = [(path, data) for path, data in FILES if data.get("deck") != "beyond-the-notes"]
NOTE_CARDS = [(path, c) for path, data in NOTE_FILES_ for c in data["cards"]]


def _existing_demos() -> set[str]:
    try:
        from gdstudy.demo.registry import demo_names
    except ImportError:
        demo_names = None
    if demo_names is not None:
        return set(demo_names())
    from gdstudy.paths import shipped_demos_dir

    for folder in (ROOT / "demos", shipped_demos_dir()):
        if folder.is_dir():
            return {p.stem.replace("_", "-") for p in folder.glob("*.py") if not p.stem.startswith("_")}
    return set()


def _demo_name(demo) -> str:
    return demo["name"] if isinstance(demo, dict) else demo


def _sentences(text: str) -> int:
    text = re.sub(r"(?m)^\s*\d+\.\s+", "", text)  # numbered list markers
    text = re.sub(r"\b(e\.g|i\.e|etc|vs|cf)\.", "", text, flags=re.I)
    return len(re.findall(r"[.!?](?=\s|$)", text.strip()))


def test_deck_is_big_enough():
    assert len(CARDS) >= 40, f"only {len(CARDS)} cards"


def test_every_required_concept_has_a_card():
    covered = {t for _, c in CARDS for t in c.get("tags") or []} | {c["id"] for _, c in CARDS}
    missing = [f"{tag} ({what})" for tag, what in REQUIRED_TAGS.items() if tag not in covered]
    assert not missing, "concepts without a card: " + "; ".join(missing)


def test_no_tag_only_repeats_its_cards_id():
    """A tag equal to the card's own id says nothing unless other cards share it (issue 11)."""
    users: dict[str, int] = {}
    for _, c in CARDS:
        for t in c["tags"]:
            users[t] = users.get(t, 0) + 1
    lonely = [c["id"] for _, c in CARDS if c["id"] in c["tags"] and users[c["id"]] == 1]
    assert not lonely, f"cards tagged only with their own id: {lonely}"


def test_cards_have_exactly_the_known_keys():
    notes_deck = {id(c) for _, c in NOTE_CARDS}
    for path, c in CARDS:
        assert isinstance(c, dict), f"{path.name}: card is not a mapping: {c!r}"
        cited = "refs" if "beyond-notes" in c.get("tags", ()) and "source" not in c else "source"
        assert {"id", "front", "back", "tags", cited} <= set(c), f"{path.name}: {c.get('id')} misses a key"
        assert set(c) <= CARD_KEYS, f"{path.name}: {c['id']} has unknown keys {set(c) - CARD_KEYS}"
        for key in ("front", "back") + (("source",) if cited == "source" else ()):
            assert isinstance(c[key], str) and c[key].strip(), f"{c['id']}: empty or non-text {key}"
        assert isinstance(c.get("interview", False), bool), f"{c['id']}: interview must be a boolean"


def test_ids_are_unique_slugs():
    seen: dict[str, str] = {}
    for path, c in CARDS:
        cid = c["id"]
        assert isinstance(cid, str) and SLUG.match(cid), f"{path.name}: bad id {cid!r}"
        assert cid not in seen, f"duplicate id {cid!r} in {seen[cid]} and {path.name}"
        seen[cid] = path.name


def test_tags_are_nonempty_slug_lists():
    for _, c in CARDS:
        tags = c["tags"]
        assert isinstance(tags, list) and tags, f"{c['id']}: tags must be a non-empty list"
        assert all(isinstance(t, str) and SLUG.match(t) for t in tags), f"{c['id']}: bad tag in {tags}"
        assert len(set(tags)) == len(tags), f"{c['id']}: repeated tag"


def test_sources_name_a_note_and_a_section():
    notes_present = NOTES_DIR.is_dir()
    for _, c in NOTE_CARDS:
        for part in c["source"].split("; "):
            note, sep, section = part.partition(" § ")
            assert note in NOTE_FILES, f"{c['id']}: source {part!r} does not start with a note file name"
            assert sep and section.strip(), f"{c['id']}: source {part!r} has no ' § section'"
            if notes_present:
                assert (NOTES_DIR / note).is_file(), f"{c['id']}: {note} not found in {NOTES_DIR}"


def test_every_cited_note_has_a_title_in_its_files_header():
    """The TUI shows note titles, not hashes (issue 11); the same note has one title everywhere."""
    titles: dict[str, set[str]] = {}
    for path, data in NOTE_FILES_:
        header = data.get("notes") or {}
        cited = {part.partition(" § ")[0] for c in data["cards"] for part in c["source"].split("; ")}
        assert cited <= set(header), f"{path.name}: no title in 'notes:' for {sorted(cited - set(header))}"
        for note, title in header.items():
            titles.setdefault(note, set()).add(title)
    assert all(len(t) == 1 for t in titles.values()), f"a note has different titles: {titles}"


# Cards that the truth pass (issue 10) found stating more than their cited place says: each must carry
# literature references. (Any card whose cited section is only an image must, too — checked below.)
BEYOND_THE_NOTES = {
    "learning-rate-single-variable", "with-replacement-coverage", "linear-scaling-rule", "init-scale",
    "zero-bias-ok", "learning-rate-decay", "ill-conditioning-fixes", "batch-beyond-one-device",
    "local-vs-global-minima", "backprop-role", "sgd-faster-precisely", "saddle-points-high-dim",
    "guaranteed-progress", "minibatch-variance-diminishing", "minibatch-variance-without-replacement",
    "constant-lr-oscillation", "data-scale",
    # issue 19 (the expert review): these now state conditions their notes do not
    "sgd-early-progress", "sgd-no-vectorisation", "same-procedure-any-loss", "reshuffle-each-epoch",
    "local-minima-escape", "powers-of-two", "sgd-drunk-man", "saddle-stuck", "learning-rate-role",
}


def test_cards_beyond_the_notes_carry_refs():
    by_id = {c["id"]: c for _, c in CARDS}
    assert BEYOND_THE_NOTES <= set(by_id), sorted(BEYOND_THE_NOTES - set(by_id))
    for cid in sorted(BEYOND_THE_NOTES):
        refs = by_id[cid].get("refs")
        assert isinstance(refs, list) and refs, f"{cid}: goes beyond its notes but has no refs"
    for _, c in CARDS:
        for ref in c.get("refs") or []:
            assert isinstance(ref, str) and re.search(r"\b(1[89]|20)\d\d\b", ref), f"{c['id']}: ref without a year: {ref!r}"


def test_links_only_to_demos_that_measure_the_claim():
    """Issue 10: these two links pointed at demos that measure nothing the card says."""
    by_id = {c["id"]: c for _, c in CARDS}
    assert "demo" not in by_id["regularization-curvature"], "conditioning has no regularization parameter"
    assert "demo" not in by_id["minibatch-variance-diminishing"], "throughput measures no critical batch size"


def test_every_note_is_cited():
    cited = {part.partition(" § ")[0] for _, c in NOTE_CARDS for part in c["source"].split("; ")}
    assert cited == set(NOTE_FILES), f"notes never cited: {set(NOTE_FILES) - cited}"


def test_demo_links_resolve():
    linked = {c["id"]: _demo_name(c["demo"]) for _, c in CARDS if "demo" in c}
    unknown = {cid: d for cid, d in linked.items() if d not in KNOWN_DEMOS}
    assert not unknown, f"links to demos outside the shipped set: {unknown}"
    existing = _existing_demos()
    dangling = {cid: d for cid, d in linked.items() if d not in existing}
    assert not dangling, f"demo links that do not resolve (existing: {sorted(existing)}): {dangling}"


def test_every_demo_is_linked_from_a_card():
    linked = {_demo_name(c["demo"]) for _, c in CARDS if "demo" in c}
    assert KNOWN_DEMOS <= linked, f"demos no card links to: {sorted(KNOWN_DEMOS - linked)}"
    assert KNOWN_DEMOS == set(_existing_demos()), "KNOWN_DEMOS is out of date with demos/"


def test_enough_interview_cards():
    n = sum(1 for _, c in CARDS if c.get("interview") is True)
    assert n >= 10, f"only {n} cards marked interview: true"


def test_backs_are_short_answers_without_latex():
    for _, c in CARDS:
        back = c["back"]
        assert len(back) <= MAX_BACK_CHARS, f"{c['id']}: back is {len(back)} chars (cap {MAX_BACK_CHARS})"
        n = _sentences(back)
        assert 1 <= n <= MAX_BACK_SENTENCES, f"{c['id']}: back has ~{n} sentences (want 1–{MAX_BACK_SENTENCES})"
        for key in ("front", "back"):
            assert "$" not in c[key], f"{c['id']}: LaTeX '$' in {key}"
            assert "\\frac" not in c[key] and "\\mathcal" not in c[key], f"{c['id']}: LaTeX command in {key}"


def test_fronts_are_unique_questions():
    fronts = [" ".join(c["front"].split()).lower() for _, c in CARDS]
    assert len(set(fronts)) == len(fronts), "two cards ask the same question"


def test_loader_accepts_the_deck():
    deck_mod = pytest.importorskip("gdstudy.deck")
    deck = deck_mod.load_deck([_cards_dir()])
    assert not deck.problems, "\n".join(str(p) for p in deck.problems)
    assert len(deck.cards) == len(CARDS)
