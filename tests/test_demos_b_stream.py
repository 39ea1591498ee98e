"""The demo subprocess the TUI starts on `d` reports progress before its heavy imports (numpy,
torch), so the progress bar moves within a few tenths of a second even for data-parallel."""

import json
import subprocess
import sys

PROBE = ("import sys, gdstudy.demo.stream as s\n"
         "orig = s._emit\n"
         "def emit(obj):\n"
         "    obj['loaded'] = sorted(m for m in ('numpy', 'torch') if m in sys.modules)\n"
         "    orig(obj)\n"
         "s._emit = emit\n"
         "sys.exit(s.main(sys.argv[1:]))\n")


def _stream(*args):
    p = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()]


def test_first_line_is_progress_before_numpy_is_imported():
    code, lines = _stream("saddle", "--runs", "20")
    assert code == 0
    first = lines[0]
    assert first["type"] == "progress" and first["message"] == "starting saddle"
    assert first["loaded"] == []
    assert lines[-1]["type"] == "result" and lines[-1]["passed"]


def test_data_parallel_reports_progress_before_torch_is_imported():
    code, lines = _stream("data-parallel", "--workers", "0")  # refused, but only after the first line
    assert lines[0]["type"] == "progress" and lines[0]["loaded"] == []
    assert lines[-1]["type"] == "error" and "--workers must be >= 2" in lines[-1]["message"]
    assert code == 2


def test_a_strange_demo_name_is_not_echoed_in_the_first_line():
    code, lines = _stream("[bold]x\x1b]2;t\x07")
    assert lines[0] == {"type": "progress", "done": 0, "total": 1, "message": "starting demo", "loaded": []}
    assert lines[-1]["type"] == "error" and code == 2
