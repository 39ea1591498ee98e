"""The store's domain types: a card's FSRS state, a logged review, a parameter set.

Times: every datetime is timezone-aware UTC; the review log keeps them as Unix milliseconds
(`to_ms` / `from_ms`), so gdstudy works at millisecond precision throughout (`ms_floor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from gdstudy.errors import StoreError
from gdstudy.timeutil import ensure_utc, iso, parse_iso

__all__ = [
    "CardState", "LogEntry", "ReviewRow", "ParamsRow", "ImportResult",
    "KINDS", "KIND_CODE", "to_ms", "from_ms", "ms_floor",
]

# The kinds of logged review, stored as small integers (0 costs no bytes in SQLite's record format).
KINDS: tuple[str, ...] = ("review", "cram", "interview")
KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
CRAM = KIND_CODE["cram"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_ms(dt: datetime) -> int:
    """Unix milliseconds of a UTC datetime (floored: sub-millisecond digits are dropped)."""
    return (ensure_utc(dt) - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def ms_floor(dt: datetime) -> datetime:
    """`dt` at millisecond precision, the precision the review log keeps."""
    dt = ensure_utc(dt)
    return dt.replace(microsecond=dt.microsecond - dt.microsecond % 1000)


@dataclass(frozen=True)
class CardState:
    """One `cards` row: the FSRS state of a card. `state` is fsrs.State (1 learning, 2 review,
    3 relearning), or 0 for a never-reviewed card that has a row only to carry a flag (suspended,
    buried). A card with no row at all is new too."""

    card_id: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0
    content_hash: str = ""
    suspended: bool = False
    buried_until: datetime | None = None
    leech: bool = False

    @property
    def is_new(self) -> bool:
        return self.state == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id, "state": self.state, "step": self.step,
            "stability": self.stability, "difficulty": self.difficulty,
            "due": iso(self.due), "last_review": iso(self.last_review) if self.last_review else None,
            "reps": self.reps, "lapses": self.lapses, "content_hash": self.content_hash,
            "suspended": int(self.suspended),
            "buried_until": iso(self.buried_until) if self.buried_until else None,
            "leech": int(self.leech),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CardState":
        return cls(
            card_id=d["card_id"], state=int(d["state"]), step=d["step"],
            stability=d["stability"], difficulty=d["difficulty"],
            due=parse_iso(d["due"]),
            last_review=parse_iso(d["last_review"]) if d["last_review"] else None,
            reps=int(d["reps"]), lapses=int(d["lapses"]), content_hash=d["content_hash"],
            suspended=bool(d["suspended"]),
            buried_until=parse_iso(d["buried_until"]) if d["buried_until"] else None,
            leech=bool(d.get("leech", 0)),
        )

    @classmethod
    def from_stored(cls, d: dict[str, Any], where: object) -> "CardState":
        """A `cards` row read from disk, validated: a damaged or hand-edited value is one clear
        StoreError naming the card and the field, never a traceback."""
        cid = d.get("card_id")
        if _plausible(d):  # the usual case: one pass, parse once
            try:
                return cls.from_dict(d)
            except (ValueError, TypeError, OverflowError):
                pass  # a bad time: the checks below name it
        try:
            if not isinstance(cid, str) or not cid:
                raise ValueError("card_id")
            _check(d, "state", lambda v: isinstance(v, int) and 0 <= v <= 3)
            _check(d, "step", lambda v: v is None or isinstance(v, int) and v >= 0)
            for f in ("stability", "difficulty"):
                _check(d, f, lambda v: v is None or isinstance(v, (int, float)) and v == v)
            for f in ("reps", "lapses"):
                _check(d, f, lambda v: isinstance(v, int) and v >= 0)
            _check(d, "content_hash", lambda v: isinstance(v, str))
            for f in ("suspended", "leech"):
                _check(d, f, lambda v: v in (0, 1))
            for f in ("due", "last_review", "buried_until"):
                _check(d, f, lambda v: (v is None and f != "due") or _is_time(v))
            return cls.from_dict(d)
        except _Bad as e:
            raise StoreError(
                f"{where}: card {cid!r} has a bad stored value {e.field}={e.value!r} (damaged or hand-edited "
                "database); fix or delete that row of the cards table"
            ) from None


_NUM = (int, float, type(None))


def _plausible(d: dict[str, Any]) -> bool:
    st, step, stab, diff = d["state"], d["step"], d["stability"], d["difficulty"]
    return (
        type(d["card_id"]) is str and bool(d["card_id"]) and type(st) is int and 0 <= st <= 3
        and (step is None or type(step) is int and step >= 0)
        and type(stab) in _NUM and stab == stab and type(diff) in _NUM and diff == diff  # (NaN != NaN)
        and type(d["reps"]) is int and d["reps"] >= 0 and type(d["lapses"]) is int and d["lapses"] >= 0
        and type(d["content_hash"]) is str and d["suspended"] in (0, 1) and d["leech"] in (0, 1)
        and type(d["due"]) is str and type(d["last_review"]) in (str, type(None))
        and type(d["buried_until"]) in (str, type(None))
    )


class _Bad(Exception):
    def __init__(self, field: str, value: object) -> None:
        self.field, self.value = field, value


def _check(d: dict[str, Any], field: str, ok: Any) -> None:
    v = d.get(field)
    if not ok(v):
        raise _Bad(field, v if not isinstance(v, str) or len(v) < 60 else v[:57] + "...")


def _is_time(v: object) -> bool:
    if not isinstance(v, str):
        return False
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        return False
    return t.tzinfo is not None


@dataclass(frozen=True)
class LogEntry:
    """One logged review as listed by `Store.log()`. `state_before` is the card's FSRS state
    before it (0 new, 1 learning, 2 review, 3 relearning)."""

    id: int
    card_id: str
    rating: int
    reviewed_at: datetime
    duration_ms: int | None
    kind: str
    state_before: int


@dataclass(frozen=True)
class ReviewRow:
    """One logged review, cheap to produce in bulk (revlog export/import, parameter fitting)."""

    card_id: str            # the card's slug (as in the YAML); fsrs int id = gdstudy.scheduling.fsrs_id(slug)
    reviewed_at_ms: int     # Unix milliseconds, UTC
    rating: int             # 1 Again .. 4 Easy
    duration_ms: int | None
    kind: str               # one of KINDS: "review", "cram", "interview"
    state_before: int       # 0 new, 1 learning, 2 review, 3 relearning


@dataclass(frozen=True)
class ParamsRow:
    """A saved FSRS parameter set; `params` None means "FSRS defaults" (a reset)."""

    id: int
    params: list[float] | None
    at: datetime
    n_reviews: int
    scores: dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    added: int      # rows inserted
    skipped: int    # rows identical (card, time, rating) to one already logged
    cards: int      # cards whose state was replayed
