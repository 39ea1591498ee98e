"""gdstudy: FSRS flashcards and runnable demos for gradient descent, SGD and mini-batches.

`import gdstudy` is cheap: it imports none of Textual, NumPy, fsrs or torch. The pieces live in
their modules: `gdstudy.deck` (cards), `gdstudy.store` (SQLite), `gdstudy.scheduling` (FSRS),
`gdstudy.session` (a review session), `gdstudy.core` (the NumPy/torch optimizer core),
`gdstudy.demo` (the demo framework) and `gdstudy.tui` (the Textual app).
"""

from gdstudy.errors import CardError, ConfigError, DemoError, GdstudyError, StoreError

__version__ = "0.1.0"
__all__ = ["GdstudyError", "CardError", "ConfigError", "StoreError", "DemoError", "__version__"]
