"""A review process for the reliability tests, run as a script in a subprocess (not a test module).

    python tests/_review_driver.py DATA_DIR DECK_DIR N [--wait] [--fresh-clock] [--retry-stale]

Opens a `ReviewSession` on DATA_DIR/gdstudy.db with the cards in DECK_DIR, then grades N cards
(N = 0: until killed) the way the TUI does: `next_card()`, `preview()`, `grade()` with one of the
four outcomes. It prints `opening <t>` just before opening the store, `opened <t>` once it is open, then after each grade has returned
(so it is committed) `graded <n> <log_id> <card_id>`, and `done <t>` at the end (t: the system-wide
monotonic clock), flushing each line. With `--wait` it first prints `ready` and blocks on a
line from stdin, so a parent can start several drivers at the same moment; the store is only
opened after that, so concurrent drivers also race on creating the database.

With `--retry-stale`, a grade refused because another process changed the card meanwhile
(StaleStateError: the session reloaded it) prints `stale <card_id>` and the loop goes on.

The clock is pinned and advances one hour per grade, jumping to the next due time when nothing is
due; the grade cycles through Good/Good/Hard/Again/Easy to exercise every path.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.errors import StaleStateError
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, Store

GRADES = (Grade.GOOD, Grade.GOOD, Grade.HARD, Grade.AGAIN, Grade.EASY)


def main(argv: list[str]) -> int:
    data_dir, deck_dir, n = Path(argv[0]), Path(argv[1]), int(argv[2])
    wait = "--wait" in argv[3:]
    retry_stale = "--retry-stale" in argv[3:]
    deck = load_deck([], [deck_dir], check_demos=False)
    if deck.problems:
        print(f"deck problems: {deck.problems}", file=sys.stderr)
        return 3
    settings = Settings(new_per_day=100_000, max_reviews_per_day=100_000, enable_fuzz=False)
    t = [datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)]
    if wait:
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return 4
    print(f"opening {time.monotonic():.6f}", flush=True)
    with Store(data_dir / DB_NAME) as store:
        session = ReviewSession(deck, store, settings, clock=lambda: t[0])
        print(f"opened {time.monotonic():.6f}", flush=True)
        i = 0
        while n == 0 or i < n:
            card = session.next_card()
            if card is None:  # nothing due: come back when something is
                due = session.next_due()
                if due is None or due <= t[0]:
                    print(f"queue ran dry after {i} grades", file=sys.stderr)
                    return 5
                t[0] = due
                continue
            outcomes = session.preview(card)
            try:
                log_id = session.grade(card, outcomes[GRADES[i % len(GRADES)]], duration_ms=1000 + i)
            except StaleStateError:
                if not retry_stale:
                    raise
                print(f"stale {card.id}", flush=True)
                continue
            i += 1
            print(f"graded {i} {log_id} {card.id}", flush=True)
            t[0] += timedelta(hours=1)
    print(f"done {time.monotonic():.6f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
