"""The expert review's card fixes (issue 19 §5, ../shared/card-fixes.md) stay fixed.

One entry per fixed card: the specific corrected fact that must be on the card (a key phrase of the
exact statement, a condition, a corrected reference or source) and the wrong statement that must be
gone. Phrases, not whole answers, so rewording a card keeps passing while undoing a fix fails.
"""

from __future__ import annotations

import re

import pytest

from tests.test_deck_content import CARDS, NOTES_DIR

BY_ID = {c["id"]: c for _, c in CARDS}
REVIEW = NOTES_DIR.parent / "card-fixes.md"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _field(card: dict, field: str) -> str:
    value = card.get(field) or ""
    return _flat(" | ".join(value) if isinstance(value, list) else value)


# card id -> [(field, phrase that must occur, phrase that must not occur)]; None = no check
FIXES: dict[str, list[tuple[str, str | None, str | None]]] = {
    "learning-rate-role": [
        ("back", "converges from every start iff 0 < η < 2/λ_max", None),
        ("back", "flips sign with constant size", None),
        ("back", "unless it is exactly 0", None),
        ("refs", "Efficient BackProp (1998), §5.1", "§8.1.3"),
        ("refs", "§8.2.1", None),
    ],
    "learning-rate-single-variable": [
        ("back", "monotone decay for 0 < η < 1/h", None),
        ("back", "At η = 2/h, x ← −x", None),
        ("back", "For x₀ ≠ 0", None),
        ("refs", "Efficient BackProp (1998), §5.1", "Deep Learning (2016), §4.3"),
    ],
    "guaranteed-progress": [
        ("back", "β-Lipschitz on the segments the steps cross", None),
        ("back", "‖∇L‖²/(2β) at η = 1/β", None),
        ("back", "|x|", None),
        ("refs", "Lemmas 4.2 and 4.4", None),
    ],
    "same-procedure-any-loss": [
        ("back", "(1/N)∑ᵢLᵢ(θ)", "almost everywhere, as with ReLU"),
        ("back", "gradient is 0 almost everywhere", None),
        ("back", "couple the examples of a batch", None),
        ("refs", "§8.1.2", None),
    ],
    "local-vs-global-minima": [
        ("back", "min_{k<K}‖∇L(θ_k)‖² ≤ 2(L(θ₀) − L*)/(η(2 − ηβ)K)", "only guaranteed to approach a stationary point"),
        ("back", "Łojasiewicz property", None),
        ("back", "only from a null set of starts", None),
        ("refs", "Absil, Mahony & Andrews", None),
    ],
    "sgd-early-progress": [
        ("back", "iff ⟨∇Lᵢ, ∇L⟩ > 0", "almost any sample's gradient points"),
        ("back", "≤ L − η(1 − ηβ/2)‖∇L‖² + (η²β/2)σ²", None),
        ("refs", "region of confusion", None),
    ],
    "sgd-faster-precisely": [
        ("back", "strong convexity (or PL) and smoothness", None),
        ("back", "η ≲ 1/L_max", None),
        ("back", "variance reduction (SVRG, SAGA)", None),
    ],
    "sgd-no-vectorisation": [
        ("back", "dense layers are memory-bound matrix-vector products", "every layer is a matrix-vector product"),
        ("back", "on a CPU it grows with S", "nearly the same time per step as one until"),
        ("refs", "§8.1.3", None),
    ],
    "minibatch-loss-sum-vs-mean": [
        ("back", "Under uniform sampling", "With either convention the mini-batch loss only approximates"),
        ("back", "E[(N/S)𝓛ᵏ] = ∑ᵢ𝓛ᵢ", None),
        ("source", "(Calculate the mean gradient)", None),
    ],
    "unbiased-gradient": [
        ("back", "for a quadratic loss with with-replacement draws E[θₜ] follows GD's path exactly", None),
    ],
    "reshuffle-each-epoch": [
        ("back", "new batch compositions", "would bias consecutive steps"),
        ("back", "shuffle-once", None),
        ("refs", "Mishchenko, Khaled & Richtárik", None),
        ("source", "(first randomly shuffled)", None),
    ],
    "minibatch-loss-landscape": [
        ("front", '"We can see a change in the loss landscape for every epoch because of the limited batch size"',
         "changes with each batch"),
        ("back", "(1/S)𝓛ᵏ", "the mean over that batch"),
        ("back", "unless every per-example gradient vanishes at the minimum", "cannot rest exactly at a minimum"),
        ("source", "(loss landscape for every epoch)", None),
    ],
    "with-replacement-coverage": [
        ("back", "1 − (1 − 1/N)ᴺ", "only about 63%"),
        ("back", "0.75 at N = 2", None),
        ("refs", "The Elements of Statistical Learning, 2nd ed. (2009), §7.11", "Bootstrap (1993), §7.11"),
        ("refs", "ch. 17", None),
        ("source", "(One pass through of all the data is an epoch)", "(randomly chosen)"),
    ],
    "ill-conditioning-fixes": [
        ("back", "tuned to λ_min and λ_max", None),
        ("back", "η = 2/(λ_min + λ_max)", None),
        ("back", "1 − 1/√κ", None),
        ("back", "K-FAC", None),
        ("back", "whitening", None),
        ("refs", "Lessard, Recht & Packard", None),
    ],
    "local-minima-escape": [
        ("back", "not necessarily lower ones", "into deeper or wider ones"),
        ("back", "unless the model interpolates", "are generally not zero"),
        ("refs", "Xie, Sato & Sugiyama", None),
    ],
    "saddle-stuck": [
        ("back", "strict saddle", None),
        ("back", "η < 1/β for a β-smooth loss", None),
        ("back", "f = x² + y³", None),
        ("back", "polynomial time", None),
        ("refs", "Du et al.", None),
    ],
    "learning-rate-decay": [
        ("back", "unbiased gradients with bounded variance", "classical *sufficient*"),
        ("back", "c > 1/μ", None),
        ("back", "liminf E‖∇L‖² = 0", None),
        ("refs", "Thms 4.7 and 4.10", None),
    ],
    "constant-lr-oscillation": [
        ("back", "∝ √(η/S)", "size grows with ησ²/S"),
        ("back", "0 < η < 2/h", None),
        ("back", "(N−S)/(N−1)", None),
        ("back", "interpolation", None),
        ("refs", "Theorem 4.6", None),
    ],
    "powers-of-two": [
        ("back", "multiples of 8", "96 or 100 versus 128"),
        ("back", "tile and wave quantisation", None),
        ("refs", "Matrix Multiplication Background", None),
    ],
    "zero-bias-ok": [
        ("back", "U(−1/√fan_in, 1/√fan_in)", "Zero is the usual default"),
        ("back", "forget-gate bias of 1", None),
        ("back", "log class prior", None),
        ("refs", "Jozefowicz, Zaremba & Sutskever", None),
    ],
    "zero-init-symmetry": [
        ("back", "equal incoming weights, biases and outgoing weights", None),
        ("back", "no dropout", None),
        ("back", "only the output bias learns", None),
    ],
    "data-scale": [
        ("back", "irreducible-error floor", "many classical models plateau"),
        ("back", "−0.07 to −0.35", None),
        ("back", "practical default", "the only practical choice"),
    ],
    "gd-variants-overview": [
        ("back", "poor use of vectorised hardware", "unable to use vectorised hardware"),
    ],
    "sgd-drunk-man": [
        ("back", "for a small enough η the expected loss decreases", None),
    ],
    "random-example-vs-reshuffle": [
        ("back", "proved for strongly convex smooth finite sums after enough epochs", None),
        ("refs", "Safran & Shamir", None),
    ],
    # found on the re-read (not in the review): the same missing condition as zero-init-symmetry
    "constant-init-symmetry": [
        ("back", "identical incoming weights, biases and outgoing weights", None),
        ("back", "no dropout", None),
    ],
    # re-read: σ²/S is the with-replacement variance (without replacement it is smaller)
    "minibatch-step-approximation": [("back", "variance at most σ²/S", None)],
    "minibatch-definition": [("back", "variance σ²/S with replacement, less without", None)],
    # re-read: a constant step leaves a noise floor unless the model interpolates
    "convergence-local-minimum": [("back", "unless every per-example gradient vanishes there", None)],
    "sgd-noisy-gradient": [("back", "or the model interpolates", None)],
    # re-read: the factor 2 is a FLOP count of matrix-multiply layers
    "backprop-role": [("back", "for matrix-multiply layers about twice its FLOPs", None)],
}

CHECKS = [(cid, field, want, gone) for cid, checks in FIXES.items() for field, want, gone in checks]


@pytest.mark.parametrize(("cid", "field", "want", "gone"), CHECKS,
                         ids=[f"{c}-{f}-{i}" for i, (c, f, _, _) in enumerate(CHECKS)])
def test_fixed_card_states_the_corrected_fact(cid: str, field: str, want: str | None, gone: str | None) -> None:
    assert cid in BY_ID, f"{cid}: card missing (ids must survive so schedules do)"
    text = _field(BY_ID[cid], field)
    if want is not None:
        assert _flat(want) in text, f"{cid}.{field} lost the fix {want!r}: {text!r}"
    if gone is not None:
        assert _flat(gone) not in text, f"{cid}.{field} still says {gone!r}"


@pytest.mark.skipif(not REVIEW.is_file(), reason="the review is not beside this checkout")
def test_every_reviewed_card_has_a_regression_check() -> None:
    listed = set(re.findall(r"^- `([a-z0-9-]+)` \(cards/", REVIEW.read_text(encoding="utf-8"), re.M))
    assert len(listed) >= 20, listed
    assert listed <= set(FIXES), sorted(listed - set(FIXES))
    assert listed <= set(BY_ID), sorted(listed - set(BY_ID))
