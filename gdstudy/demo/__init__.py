"""The demo framework. A demo is a script in demos/ that declares NAME, TITLE, CLAIM, PARAMS and
run(params, ctx) -> DemoResult; see demos/epoch.py for a short example.

This package imports no numpy at import time (the CLI lists demos cheaply); the maths lives in
gdstudy.core and is imported by the demos themselves."""

from gdstudy.demo.context import Context, DemoCancelled
from gdstudy.demo.params import Param, Params
from gdstudy.demo.result import DemoResult, Plot, Series, Table, Verdict

__all__ = [
    "Context", "DemoCancelled", "Param", "Params", "DemoResult", "Plot", "Series", "Table",
    "Verdict", "run_standalone",
]


def run_standalone(module) -> int:
    """`if __name__ == "__main__": sys.exit(run_standalone(sys.modules[__name__]))` in a demo."""
    from gdstudy.demo.runner import main
    return main(module, prog=f"python demos/{module.NAME.replace('-', '_')}.py")
