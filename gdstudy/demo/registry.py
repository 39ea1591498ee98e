"""Find and load the demo scripts in `demos/` (or `gdstudy/_data/demos` in a wheel).

demo_names() only lists files, so it is cheap (no numpy); load_demo() imports one file."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from gdstudy.errors import DemoError
from gdstudy.paths import demo_names, shipped_demos_dir
from gdstudy.suggest import close_matches

__all__ = ["demo_names", "demo_path", "load_demo", "validate_params", "REQUIRED"]

REQUIRED = ("NAME", "TITLE", "CLAIM", "PARAMS", "run")


def demo_path(name: str) -> Path:
    name = name.replace("_", "-")
    names = demo_names()
    if name not in names:
        near = close_matches(name, names)
        hint = f"; did you mean {', '.join(near)}?" if near else f"; the demos: {', '.join(names) or 'none'}"
        raise DemoError(f"unknown demo {name!r}{hint}")
    return shipped_demos_dir() / (name.replace("-", "_") + ".py")


def load_demo(name: str):
    """Import demos/<name>.py by path (module name gdstudy_demo_<stem>) and return the module."""
    path = demo_path(name)
    mod_name = "gdstudy_demo_" + path.stem
    cached = sys.modules.get(mod_name)
    if cached is not None and getattr(cached, "__file__", None) == str(path):
        return cached
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # dataclasses and pickling need the module registered
    try:
        spec.loader.exec_module(module)
    except DemoError:
        sys.modules.pop(mod_name, None)
        raise
    except ImportError as err:
        sys.modules.pop(mod_name, None)
        raise DemoError(f"demo {name!r} cannot be imported: {err}") from err
    missing = [a for a in REQUIRED if not hasattr(module, a)]
    if missing:
        sys.modules.pop(mod_name, None)
        raise DemoError(f"demo file {path} does not define {', '.join(missing)}")
    return module


def validate_params(name: str, params: dict | None) -> dict:
    """Check a card's `demo: {name: ..., params: {...}}` link; return the resolved parameters
    (defaults filled in, python names). Raises DemoError with one line."""
    from gdstudy.demo.params import resolve_params
    if params is not None and not isinstance(params, dict):
        raise DemoError(f"demo {name}: params must be a mapping, got {type(params).__name__}")
    return dict(resolve_params(load_demo(name), params or {}))
