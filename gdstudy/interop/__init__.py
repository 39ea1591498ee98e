"""Interop: notes import and coverage (`notes`, `notecards`, `importer`, `coverage`), Anki export,
revlog CSV. Kept import-free so `import gdstudy.interop.x` loads only what x needs."""
