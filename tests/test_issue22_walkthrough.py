"""Issue 22's "done when", walked through end to end in a fresh data dir: import an Obsidian vault
(a callout, TeX, an OSR schedule comment, a bad `==` line, an HTML comment) with no flags but
`--keep-osr-schedule` -> the cards are in review with no --deck -> edit one in a fake $EDITOR ->
schedule kept, flagged edited -> add a card -> grade it -> the browser shows it with its history."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, Store
from gdstudy.tui import make_app
from gdstudy.tui.cardtext import CardMarkdown
from tests.conftest import Clock, run_cli
from tests.test_cardedit import Editor
from tests.test_tui_tex import shown
from tests.waits import wait_until

pytestmark = pytest.mark.usefixtures("utc_tz")

VAULT_NOTE = """# Step size

> [!note] Why it matters
> The step size decides whether GD converges.

Why must the step size satisfy $\\eta < 2/L$?::Beyond $2/L$ the iterates grow on the sharpest direction
<!--SR:!2026-12-20,12,250-->

Bad highlight line: ==never closed

<!-- a hidden draft: Hidden?::should never be a card -->

What does SGD estimate?::The full gradient, without bias #look_into
"""


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Editor:
    return Editor(tmp_path, monkeypatch)


async def test_import_review_edit_add_history(tmp_path: Path, isolated_home: Path, clock: Clock, editor: Editor) -> None:
    from gdstudy.cli.common import _deck, _settings
    from gdstudy.config import Settings
    from gdstudy.tui.history import HistoryModal

    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "step.md").write_text(VAULT_NOTE, encoding="utf-8")
    code, out = run_cli("import", vault, "--keep-osr-schedule")
    assert code == 0, out
    assert f"{vault / 'step.md'}:" in out  # the bad line is a located warning; the rest imported

    deck = _deck(_settings(), None)  # no --deck: the import registered the user's deck
    mine = [c for c in deck.cards if not c.shipped]
    fronts = {c.front: c for c in mine}
    assert "Why must the step size satisfy $\\eta < 2/L$?" in fronts and "What does SGD estimate?" in fronts
    assert not any("Hidden" in c.front or "hidden" in c.back for c in mine)  # nothing from an HTML comment
    tex = fronts["Why must the step size satisfy $\\eta < 2/L$?"]
    assert "<!--SR" not in tex.back and "look_into" not in fronts["What does SGD estimate?"].back

    store = Store(isolated_home / DB_NAME)
    st = store.state(tex.id)
    assert st is not None and st.due == datetime(2026, 12, 20, tzinfo=timezone.utc)  # the OSR schedule kept
    s = ReviewSession(deck, store, Settings(enable_fuzz=False), clock=clock, tags=("imported", "look_into"))
    sgd = fronts["What does SGD estimate?"]
    editor.will({"replace": ["without bias", "without bias (an unbiased estimate)"]})
    app = make_app(s)
    async with app.run_test(size=(110, 34)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "card", None) is not None, what="a card in review")
        assert app.screen.card.id == sgd.id  # new imported card, in review without --deck
        await pilot.press("space", "3")
        before = s.state(sgd.id)
        await pilot.press("b")
        browser = app.screen
        await pilot.press("slash", *"What does SGD", "enter", "escape")
        await wait_until(pilot, lambda: app.screen is browser and browser._current().id == sgd.id, what="the card selected")
        await pilot.press("e")
        await wait_until(pilot, lambda: s.deck.by_id[sgd.id].back.endswith("(an unbiased estimate)"), what="the edit loaded")
        assert s.state(sgd.id) == before and s.is_edited(s.deck.by_id[sgd.id])  # schedule kept, flagged edited

        await pilot.press("slash", *"Why must", "enter")  # the TeX card opens: Unicode shown
        await wait_until(pilot, lambda: app.screen.query(CardMarkdown), what="the card pop-up")
        assert "η < 2/L" in "\n".join(shown(m) for m in app.screen.query(CardMarkdown))
        await pilot.press("escape")

        await pilot.press("a", *"Why shuffle each epoch?", "enter", *"To decorrelate the batches", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is browser and any(
            c.front == "Why shuffle each epoch?" for c in s.deck.cards), what="the added card")
        added = next(c for c in s.deck.cards if c.front == "Why shuffle each epoch?")
        assert added.id in browser.query_one("#cards").rows and browser._current().id == added.id
        s.grade(added, s.preview(added)[3])  # a grade (as review would make it)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryModal), what="the history modal")
        assert app.screen.history.card.id == added.id
        assert app.screen.query_one("#history-table").row_count == 1
    store.close()
