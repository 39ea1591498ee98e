"""Export docs/screenshot.svg (the README's picture): the review screen at 100x30 with the shipped deck,
answer revealed. Run from the repository root: .venv/bin/python docs/screenshot.py"""
import asyncio, os, tempfile
from pathlib import Path
os.environ["GDSTUDY_HOME"] = tempfile.mkdtemp()
from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.paths import shipped_cards_dir
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app

async def main():
    deck = load_deck([shipped_cards_dir()], [])
    s = ReviewSession(deck, Store(Path(os.environ["GDSTUDY_HOME"]) / "g.db"), Settings(enable_fuzz=False))
    app = make_app(s)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("space")
        for _ in range(50):
            await pilot.pause(0.05)
        Path("docs/screenshot.svg").write_text(app.export_screenshot(title="gdstudy review"), encoding="utf-8")
asyncio.run(main())
