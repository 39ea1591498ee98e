"""Interop with other tools: notes import, Anki `.apkg` export (`anki`), the FSRS review-log CSV
(`revlog`). Each module is imported only by the command that needs it."""
