"""`gdstudy log export / import`: the FSRS revlog CSV round trip (backup, restore, another laptop)."""

from __future__ import annotations

import csv
import json
import random
from datetime import timedelta
from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.interop.revlog import COLUMNS, FSRS_COLUMNS, Replayer, import_log, to_ms
from gdstudy.scheduling import Grade, fsrs_id
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, Store
from gdstudy.timeutil import utcnow
from tests.conftest import Clock

from tests.conftest import run_cli as run  # noqa: E402




def study(deck_dir: Path, data: Path, *, days: int = 40, seed: int = 7, cram: int = 0,
          settings: Settings | None = None, weights: tuple[int, ...] = (2, 1, 6, 1)) -> Clock:
    """A realistic history with fuzz on (the default): each day, every due card graded at random
    (mostly Good, some Again/Hard/Easy), minutes apart; ends now. `cram` extra cram reviews."""
    rng = random.Random(seed)
    deck = load_deck([], [deck_dir], check_demos=False)
    clock = Clock(utcnow() - timedelta(days=days))
    data.mkdir(parents=True, exist_ok=True)
    with Store(data / DB_NAME) as store:
        s = ReviewSession(deck, store, settings or Settings(), clock=clock)
        for _ in range(days):
            for _ in range(50):
                card = s.next_card()
                if card is None:
                    break
                g = rng.choices(list(Grade), weights=weights)[0]
                s.grade(card, s.preview(card)[g], duration_ms=rng.randint(500, 20000))
                clock.advance(minutes=rng.randint(1, 12))
            clock.advance(days=1)
        if cram:
            c = ReviewSession(deck, store, settings or Settings(), clock=clock, cram=True, seed=seed)
            for _ in range(cram):
                card = c.next_card()
                c.grade(card, c.preview(card)[Grade.GOOD], duration_ms=1000)
    return clock


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_export_then_import_into_empty_data_dir_reproduces_stats_and_states(small_deck_dir: Path, tmp_path: Path) -> None:
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "log.csv"
    study(small_deck_dir, a)
    code, text = run("log", "export", out, "--data-dir", a)
    assert code == 0, text
    with Store(a / DB_NAME) as sa:
        n = sum(1 for _ in sa.iter_reviews(None))
        states_a = sa.states()
    assert f"{n} review(s) of 3 card(s); 0 cram" in text and n > 20
    code, text = run("log", "import", out, "--data-dir", b, "--deck", small_deck_dir)
    assert code == 0, text
    assert f"{n} review(s) added, 0 already present, 3 card(s) rescheduled" in text
    with Store(b / DB_NAME) as sb:
        assert sb.states() == states_a  # stability, difficulty, state, step, due (fuzzed), reps, lapses, hash
        assert sum(1 for _ in sb.iter_reviews(None)) == n
    ca, sta = run("stats", "--json", "--data-dir", a, "--deck", small_deck_dir)
    cb, stb = run("stats", "--json", "--data-dir", b, "--deck", small_deck_dir)
    assert ca == cb == 0
    assert json.loads(sta) == json.loads(stb) and json.loads(sta)["by_state"]["review"] > 0


def test_csv_is_the_fsrs_revlog_format_with_slug_and_due(small_deck_dir: Path, tmp_path: Path) -> None:
    a, out = tmp_path / "a", tmp_path / "log.csv"
    study(small_deck_dir, a, days=10)
    assert run("log", "export", out, "--data-dir", a)[0] == 0
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    got = rows(out)
    with Store(a / DB_NAME) as s:
        want = list(s.iter_reviews(("review",)))
        states = s.states()
    assert [(int(r["review_time"]), int(r["review_rating"]), int(r["review_state"])) for r in got] == [
        (w.reviewed_at_ms, w.rating, w.state_before) for w in want]
    times = [int(r["review_time"]) for r in got]
    assert times == sorted(times)
    for r in got:
        assert int(r["card_id"]) == fsrs_id(r["card_slug"])
        assert r["review_duration"].isdigit()
    # due_after: exactly on each card's latest review, equal to the card's due date
    for slug, st in states.items():
        mine = [r for r in got if r["card_slug"] == slug]
        assert [r["due_after"] != "" for r in mine] == [False] * (len(mine) - 1) + [True]
        assert int(mine[-1]["due_after"]) == to_ms(st.due)


def test_cram_reviews_are_excluded_and_said_so(small_deck_dir: Path, tmp_path: Path) -> None:
    a, out = tmp_path / "a", tmp_path / "log.csv"
    study(small_deck_dir, a, days=5, cram=3)
    code, text = run("log", "export", out, "--data-dir", a)
    assert code == 0 and "3 cram review(s) not exported" in text
    with Store(a / DB_NAME) as s:
        assert len(rows(out)) == sum(1 for r in s.iter_reviews(None) if r.kind != "cram")
    code, text = run("log", "export", tmp_path / "log.json", "--format", "json", "--data-dir", a)
    assert code == 0
    doc = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))
    assert doc["excluded"]["cram"] == 3 and doc["columns"] == list(COLUMNS)
    assert [r["review_time"] for r in doc["reviews"]] == [int(r["review_time"]) for r in rows(out)]
    assert set(doc["reviews"][0]) == set(COLUMNS)


def test_import_twice_is_a_no_op(small_deck_dir: Path, tmp_path: Path) -> None:
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "log.csv"
    study(small_deck_dir, a, days=15)
    assert run("log", "export", out, "--data-dir", a)[0] == 0
    assert run("log", "import", out, "--data-dir", b, "--deck", small_deck_dir)[0] == 0
    with Store(b / DB_NAME) as s:
        before = (s.states(), list(s.iter_reviews(None)))
    code, text = run("log", "import", out, "--data-dir", b, "--deck", small_deck_dir)
    assert code == 0 and f"0 review(s) added, {len(before[1])} already present" in text
    # and into the store it came from: nothing new either
    code, text = run("log", "import", out, "--data-dir", a, "--deck", small_deck_dir)
    assert code == 0 and "0 review(s) added" in text
    with Store(b / DB_NAME) as s:
        assert (s.states(), list(s.iter_reviews(None))) == before


def test_corrupt_row_is_reported_with_its_line_and_nothing_is_written(small_deck_dir: Path, tmp_path: Path) -> None:
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "in.csv"
    study(small_deck_dir, a, days=15)
    assert run("log", "export", out, "--data-dir", a)[0] == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 20
    study(small_deck_dir, b, days=3, seed=99)  # b already has a history of its own
    with Store(b / DB_NAME) as s:
        before = (s.states(), list(s.iter_reviews(None)))
    for bad, msg in [
        (lambda f: f[:2] + ["7"] + f[3:], "review_rating 7 is out of range"),
        (lambda f: f[:3] + ["9"] + f[4:], "review_state 9 is out of range"),
        (lambda f: [f[0], "yesterday"] + f[2:], "review_time must be an integer"),
        (lambda f: ["12345"] + f[1:], "card_id 12345 does not belong to card_slug"),
        (lambda f: f[:-1], "6 field(s), the header has 7"),
    ]:
        broken = list(lines)
        broken[16] = ",".join(bad(broken[16].split(",")))  # line 17 of the file
        out.write_text("\n".join(broken) + "\n", encoding="utf-8")
        code, text = run("log", "import", out, "--data-dir", b, "--deck", small_deck_dir)
        assert code == 2 and text.startswith(f"error: {out}:17: {msg}") and text.count("\n") == 1, text
        with Store(b / DB_NAME) as s:
            assert (s.states(), list(s.iter_reviews(None))) == before
    out.write_text("card_id,review_time\n1,2\n", encoding="utf-8")
    code, text = run("log", "import", out, "--data-dir", b)
    assert code == 2 and f"{out}:1: missing column(s) review_rating, review_state" in text


def test_unknown_cards_are_kept_as_orphans_and_reported(small_deck_dir: Path, tmp_path: Path) -> None:
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "log.csv"
    study(small_deck_dir, a, days=5)
    assert run("log", "export", out, "--data-dir", a)[0] == 0
    code, text = run("log", "import", out, "--data-dir", b)  # no --deck: alpha/beta/gamma unknown here
    assert code == 0 and "3 card(s) not in any deck kept as orphans: alpha, beta, gamma" in text
    code, text = run("cards", "orphans", "--data-dir", b)
    assert "alpha" in text and "3 orphan(s)" in text
    # the deck comes back: the same rows, nothing added, and the cards are known again
    code, text = run("log", "import", out, "--data-dir", b, "--deck", small_deck_dir)
    assert code == 0 and "0 review(s) added" in text and "orphans" not in text


def test_plain_fsrs_file_without_slugs_maps_known_ids(small_deck_dir: Path, tmp_path: Path) -> None:
    """A five-column revlog (as other FSRS tools write it): card ids of known cards map back to slugs."""
    b, f = tmp_path / "b", tmp_path / "plain.csv"
    t = int((utcnow() - timedelta(days=3)).timestamp() * 1000)
    f.write_text(
        ",".join(FSRS_COLUMNS) + "\n"
        f"{fsrs_id('alpha')},{t},3,0,1200\n"
        f"{fsrs_id('alpha')},{t + 600_000},3,1,\n"
        f"{fsrs_id('alpha')},{t + 86_400_000},3,2,900\n"
        f"424242,{t},1,0,100\n",
        encoding="utf-8",
    )
    code, text = run("log", "import", f, "--data-dir", b, "--deck", small_deck_dir)
    assert code == 0 and "4 review(s) added" in text and "fsrs-424242" in text
    with Store(b / DB_NAME) as s:
        st = s.states()
    assert st["alpha"].reps == 3 and st["alpha"].state == 2 and st["fsrs-424242"].reps == 1


def test_replay_equals_grading_through_the_scheduler(small_deck_dir: Path, tmp_path: Path) -> None:
    """Fuzz off: replaying the log gives exactly the states that grading produced, lapses included."""
    settings = Settings(enable_fuzz=False, leech_threshold=2)
    study(small_deck_dir, tmp_path / "a", days=60, seed=3, settings=settings, weights=(4, 1, 4, 1))
    deck = load_deck([], [small_deck_dir], check_demos=False)
    with Store(tmp_path / "a" / DB_NAME) as s:
        states = s.states()
        hist: dict[str, list] = {}
        for r in s.iter_reviews(None):
            hist.setdefault(r.card_id, []).append(r)
    rep = Replayer(settings, lambda slug: deck.by_id[slug].content_hash, lambda slug, t: None)
    for slug, h in hist.items():
        assert rep(slug, h) == states[slug]
    assert any(st.lapses for st in states.values())


def test_import_into_a_store_keeps_the_flags(small_deck_dir: Path, tmp_path: Path) -> None:
    a, out = tmp_path / "a", tmp_path / "log.csv"
    study(small_deck_dir, a, days=8)
    assert run("log", "export", out, "--data-dir", a)[0] == 0
    deck = load_deck([], [small_deck_dir], check_demos=False)
    with Store(a / DB_NAME) as s:
        ReviewSession(deck, s, Settings()).suspend("beta")
        res = import_log(s, out, deck, Settings())
        assert res.added == 0 and s.states()["beta"].suspended


@pytest.mark.parametrize("content", ["", "\ufeff", "card_id,review_time,review_rating,review_state\n1,2,\"3\n"])
def test_empty_or_broken_csv_is_one_line(tmp_path: Path, content: str) -> None:
    f = tmp_path / "x.csv"
    f.write_text(content, encoding="utf-8")
    code, text = run("log", "import", f, "--data-dir", tmp_path / "b")
    assert code == 2 and text.startswith(f"error: {f}:") and text.count("\n") == 1, text


# -- the CSV reader is a loader of untrusted files: property tests -----------------------------

from hypothesis import given, settings as hsettings, strategies as hst  # noqa: E402

from gdstudy.interop.revlog import LogFileError, read_log  # noqa: E402


@hsettings(max_examples=150, deadline=None)
@given(body=hst.text(alphabet=hst.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_is_rows_or_one_located_error(body: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "h.csv"
        f.write_text(",".join(COLUMNS) + "\n" + body, encoding="utf-8")
        try:
            got = list(read_log(f, {}))
        except LogFileError as e:
            msg = str(e)
            assert msg.startswith(f"{f}:") and "\n" not in msg.rstrip("\n"), msg
        else:
            for r in got:
                assert 1 <= r.rating <= 4 and 0 <= r.state_before <= 3 and r.reviewed_at_ms >= 0


row = hst.tuples(hst.sampled_from(["alpha", "beta", "gamma", "a-1"]), hst.integers(0, 4_102_444_800_000),
                 hst.integers(1, 4), hst.integers(0, 3), hst.none() | hst.integers(0, 2**31 - 1))


@hsettings(max_examples=100, deadline=None)
@given(rows_=hst.lists(row, max_size=30))
def test_written_rows_read_back_exactly(rows_: list) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "r.csv"
        with f.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for slug, t, rating, state, dur in rows_:
                w.writerow((fsrs_id(slug), t, rating, state, "" if dur is None else dur, slug, ""))
        got = [(r.card_id, r.reviewed_at_ms, r.rating, r.state_before, r.duration_ms)
               for r in read_log(f, {}, now_ms=4_102_444_800_000)]
    assert got == rows_

