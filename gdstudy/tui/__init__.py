"""The Textual front end. Importing this package imports Textual: only `gdstudy review` does."""

from gdstudy.tui.app import GdstudyApp, make_app

__all__ = ["GdstudyApp", "make_app"]
