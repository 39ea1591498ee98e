"""A fake $EDITOR for the tests (run as `python tests/fake_editor.py [+LINE] FILE`): each run takes
the next step of the plan in the JSON file $FAKE_EDITOR_PLAN and logs its arguments and the text it
was given to $FAKE_EDITOR_LOG (one JSON line per run). Steps: {"replace": [old, new]} edits the file
(the old text must be there), {"keep": true} leaves it as it was (quit without saving)."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    plan_path = os.environ["FAKE_EDITOR_PLAN"]
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    step = plan.pop(0) if plan else {"keep": True}
    with open(plan_path, "w", encoding="utf-8") as f:
        json.dump(plan, f)
    path = sys.argv[-1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(os.environ["FAKE_EDITOR_LOG"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"argv": sys.argv[1:], "text": text}) + "\n")
    if "replace" in step:
        old, new = step["replace"]
        if old not in text:
            sys.exit(f"fake editor: {old!r} is not in the file")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))


if __name__ == "__main__":
    main()
