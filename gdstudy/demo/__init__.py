"""The demo framework. A demo is a script in demos/ that declares NAME, TITLE, CLAIM, PARAMS and
run(params, ctx) -> DemoResult; see demos/epoch.py for a short example.

This package imports no numpy at import time (the CLI lists demos cheaply); the maths lives in
gdstudy.core and is imported by the demos themselves. Its names (`from gdstudy.demo import
DemoResult`) are loaded on first use: importing a submodule (the registry, the CLI command)
does not pay for the result/params/context classes."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gdstudy.demo.context import Context, DemoCancelled
    from gdstudy.demo.params import Param, Params
    from gdstudy.demo.result import DemoResult, Plot, Series, Table, Verdict

__all__ = [
    "Context", "DemoCancelled", "Param", "Params", "DemoResult", "Plot", "Series", "Table",
    "Verdict", "run_standalone",
]

_WHERE = {
    "Context": "context", "DemoCancelled": "context", "Param": "params", "Params": "params",
    "DemoResult": "result", "Plot": "result", "Series": "result", "Table": "result", "Verdict": "result",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


def run_standalone(module) -> int:  # type: ignore[no-untyped-def]
    """`if __name__ == "__main__": sys.exit(run_standalone(sys.modules[__name__]))` in a demo."""
    from gdstudy.demo.runner import main
    return main(module, prog=f"python demos/{module.NAME.replace('-', '_')}.py")
