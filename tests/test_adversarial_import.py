"""Adversarial import (issue 20, reading side): what `gdstudy import` reads under `--into` and in the
notes (FIFOs, devices, links, loops, non-UTF-8 names, huge cloze numbers, hand-edited headers) and
scanners that must stay linear on hostile text. Every case: one located line per bad item, the
rest imported, no traceback, nothing outside the output folder changed.

Hang guards run a subprocess with a generous timeout: they only catch a hang or a quadratic scan
(minutes), they never assert a duration."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdstudy.deck import load_deck
from gdstudy.interop import cardtext, notecards
from gdstudy.interop.importer import find_notes, import_notes
from gdstudy.interop.notecards import parse_cards
from gdstudy.interop.notes import parse_note, sections_of

from tests.conftest import run_cli as run  # noqa: E402

HANG_GUARD_S = float(os.environ.get("GDSTUDY_HANG_GUARD_S", 240))  # a quadratic scan of these inputs takes hours; linear ones take seconds

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
needs_bytes_names = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs arbitrary byte file names")


def tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under root: file bytes, or what kind of entry it is (never opens a FIFO)."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(dirpath) / name
            key = os.fsencode(p.relative_to(root)).decode("utf-8", "backslashreplace")
            if p.is_symlink():
                out[key] = "link -> " + os.readlink(p)
            elif p.is_file():
                out[key] = p.read_bytes()
            else:
                out[key] = "dir" if p.is_dir() else "special"
    return out


def error_lines(out: str) -> list[str]:
    """The located lines (one per bad item): `PATH...: message` or `warning: PATH...` (the closing
    `error: N problem(s)` summary is not one)."""
    return [ln for ln in out.splitlines() if ln.startswith(("/", "warning:"))]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    v = tmp_path / "vault"
    v.mkdir()
    (v / "ok.md").write_text("# Basics\nWhat is SGD?::Stochastic gradient descent.\n", encoding="utf-8")
    return v


def run_gdstudy(*args: str, timeout: float = HANG_GUARD_S) -> subprocess.CompletedProcess[str]:
    code = "import sys; from gdstudy.cli import main; sys.argv[0] = 'gdstudy'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------
# item 3: what import reads under --into


@needs_fifo
@pytest.mark.parametrize("dry", [False, True])
def test_fifo_card_file_in_the_deck_folder_does_not_hang(vault: Path, tmp_path: Path, dry: bool) -> None:
    deck = tmp_path / "deck"
    deck.mkdir()
    os.mkfifo(deck / "x.yaml")
    p = run_gdstudy("import", str(vault), "--into", str(deck), *(["--dry-run"] if dry else []))
    assert "Traceback" not in p.stderr, p.stderr
    assert p.returncode == 0, p.stderr
    assert "x.yaml: not a regular file (a FIFO)" in p.stderr
    assert len(error_lines(p.stderr)) == 1
    assert "1 added" in p.stdout


@needs_fifo
def test_fifo_at_a_notes_card_file_is_that_notes_error(vault: Path, tmp_path: Path) -> None:
    (vault / "second.md").write_text("Q2::A2\n", encoding="utf-8")
    deck = tmp_path / "deck"
    deck.mkdir()
    os.mkfifo(deck / "ok.md.yaml")
    before = tree(tmp_path / "vault")
    p = run_gdstudy("import", str(vault), "--into", str(deck))
    assert "Traceback" not in p.stderr and p.returncode == 2, p.stderr
    lines = error_lines(p.stderr)
    assert len(lines) == 1 and "ok.md" in lines[0] and "not a regular file (a FIFO)" in lines[0], p.stderr
    assert "1 added" in p.stdout and (deck / "second.md.yaml").is_file()
    assert tree(tmp_path / "vault") == before
    assert not (deck / "ok.md.yaml").is_file()  # still the FIFO


def test_yaml_link_to_dev_zero_in_the_deck_folder_is_skipped(vault: Path, tmp_path: Path) -> None:
    deck = tmp_path / "deck"
    deck.mkdir()
    (deck / "zero.yaml").symlink_to("/dev/zero")
    p = run_gdstudy("import", str(vault), "--into", str(deck))
    assert "Traceback" not in p.stderr and p.returncode == 0, p.stderr
    assert "zero.yaml: not a regular file (a character device)" in p.stderr
    assert "1 added" in p.stdout


def test_card_file_link_to_dev_zero_is_that_notes_error(vault: Path, tmp_path: Path) -> None:
    deck = tmp_path / "deck"
    deck.mkdir()
    (deck / "ok.md.yaml").symlink_to("/dev/zero")
    p = run_gdstudy("import", str(vault), "--into", str(deck), "--dry-run")
    assert "Traceback" not in p.stderr and p.returncode == 2, p.stderr
    lines = error_lines(p.stderr)
    assert len(lines) == 1 and "not a regular file (a character device)" in lines[0]
    assert os.readlink(deck / "ok.md.yaml") == "/dev/zero"


def test_deeply_nested_import_marker_is_not_a_traceback(vault: Path, tmp_path: Path) -> None:
    deck = tmp_path / "deck"
    deck.mkdir()
    (deck / "other.yaml").write_text("# gdstudy-import: " + "[" * 100_000 + "\n- id: x\n", encoding="utf-8")
    code, out = run("import", str(vault), "--into", str(deck))
    assert code == 0 and "1 added" in out, out


# ---------------------------------------------------------------------------------------------
# item 6: one bad note is a located warning, the rest import


@needs_bytes_names
def test_note_name_not_utf8_is_a_located_error(vault: Path, tmp_path: Path) -> None:
    bad = os.fsencode(vault) + b"/bad\xff.md"
    with open(bad, "wb") as f:
        f.write(b"Q2::A2\n")
    deck = tmp_path / "deck"
    code, out = run("import", str(vault), "--into", str(deck))
    assert code == 2
    lines = error_lines(out)
    assert len(lines) == 1 and "bad\\xff.md" in lines[0] and "file name is not UTF-8" in lines[0], out
    assert "1 added" in out
    assert [p.name for p in deck.iterdir()] == ["ok.md.yaml"]


def test_cloze_number_over_the_int_string_limit_is_a_located_error(vault: Path, tmp_path: Path) -> None:
    (vault / "big.md").write_text("intro\n\nText {{c" + "1" * 5000 + "::hidden}} here.\n", encoding="utf-8")
    code, out = run("import", str(vault), "--into", str(tmp_path / "deck"))
    assert code == 0  # that card's problem is a warning: the rest of the vault (and of the note) imports
    lines = error_lines(out)
    assert len(lines) == 1 and lines[0].startswith("warning: " + str(vault / "big.md") + ":3: ") and "cloze number" in lines[0], out
    assert "1 added" in out


def test_html_char_reference_over_the_int_string_limit(tmp_path: Path) -> None:
    note = parse_note(Path("n.html.md"), "<h1>T &#" + "9" * 5000 + "; x</h1>\nbody text &#x" + "f" * 5000 + ";\n"
                      "<h2>&#00000000000000000065;</h2>\n")
    assert note.kind == "html"
    titles = [t for _, t in note.headings.values()]
    assert titles == ["T \ufffd x", "A"]


# ---------------------------------------------------------------------------------------------
# item 16: unchanged notes do not rewrite files


@pytest.mark.parametrize("edit", [
    lambda t: t.replace("deck: ok.md", "deck: My renamed deck"),
    lambda t: t + "# a comment added by hand\n",
    lambda t: t.replace("description: Cards imported from the note ok.md", "description: mine"),
])
def test_unchanged_note_keeps_a_hand_edited_header(vault: Path, tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    deck = tmp_path / "deck"
    assert import_notes([vault], deck).count("added") == 1
    f = deck / "ok.md.yaml"
    f.write_text(edit(f.read_text(encoding="utf-8")), encoding="utf-8")
    edited, mtime = f.read_bytes(), f.stat().st_mtime_ns
    code, out = run("import", str(vault), "--into", str(deck))
    assert code == 0 and "1 unchanged" in out and "wrote 0 file(s)" in out, out
    assert f.read_bytes() == edited and f.stat().st_mtime_ns == mtime


def test_updated_note_keeps_a_hand_edited_deck_name(vault: Path, tmp_path: Path) -> None:
    deck = tmp_path / "deck"
    import_notes([vault], deck)
    f = deck / "ok.md.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("deck: ok.md", "deck: My renamed deck"), encoding="utf-8")
    (vault / "ok.md").write_text("# Basics\nWhat is SGD?::Stochastic gradient descent, one example.\n", encoding="utf-8")
    r = import_notes([vault], deck)
    assert r.count("updated") == 1 and not r.errors
    d = load_deck((), [deck], check_demos=False)
    assert d.ok and d.cards[0].deck == "My renamed deck" and d.cards[0].back.endswith("one example.")


# ---------------------------------------------------------------------------------------------
# item 18: links, loops, FIFOs and broken links among the notes


def test_symlinked_subfolder_is_followed(vault: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "s.md").write_text("Shared question?::Shared answer.\n", encoding="utf-8")
    (vault / "linked").symlink_to(shared, target_is_directory=True)
    notes, errors = find_notes([vault])
    assert not errors
    assert sorted(n.key for n in notes) == ["linked/s.md", "ok.md"]
    r = import_notes([vault], tmp_path / "deck")
    assert r.count("added") == 2 and (tmp_path / "deck" / "linked" / "s.md.yaml").is_file()


def test_symlink_loop_is_cut(vault: Path, tmp_path: Path) -> None:
    (vault / "sub").mkdir()
    (vault / "sub" / "n.md").write_text("Q::A\n", encoding="utf-8")
    (vault / "sub" / "back").symlink_to(vault, target_is_directory=True)
    (vault / "again").symlink_to(vault / "sub", target_is_directory=True)
    notes, errors = find_notes([vault])
    assert not errors
    assert sorted(n.key for n in notes) == ["ok.md", "sub/n.md"]  # the real folder wins over the link to it


@needs_fifo
def test_broken_link_and_fifo_notes_are_reported(vault: Path, tmp_path: Path) -> None:
    (vault / "gone.md").symlink_to(vault / "nowhere.md")
    os.mkfifo(vault / "pipe.md")
    (vault / "sub").mkdir()
    os.mkfifo(vault / "sub" / "pipe.txt")
    before = tree(vault)
    p = run_gdstudy("import", str(vault), "--into", str(tmp_path / "deck"))
    assert "Traceback" not in p.stderr and p.returncode == 2, p.stderr
    lines = error_lines(p.stderr)
    assert len(lines) == 3, p.stderr
    assert any("gone.md: broken symbolic link" in ln for ln in lines)
    assert any("pipe.md: not a regular file (a FIFO)" in ln for ln in lines)
    assert any("pipe.txt: not a regular file (a FIFO)" in ln for ln in lines)
    assert "1 added" in p.stdout
    assert tree(vault) == before


@needs_fifo
def test_fifo_note_given_by_name(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    p = run_gdstudy("import", str(tmp_path / "pipe.md"), "--into", str(tmp_path / "deck"), "--dry-run")
    assert "Traceback" not in p.stderr and p.returncode == 2
    assert "pipe.md: not a regular file (a FIFO)" in p.stderr


# ---------------------------------------------------------------------------------------------
# item 4: linear scanners (hang guards and work counters, no timing)

MB = 1_000_000
PATHOLOGICAL = {
    "escaped-dollars": "$a" + "\\$a" * (MB // 3) + " q::a #t ==x==",
    "unclosed-image": "![x](" + "a" * MB + " ::",
    "html-headings": "<h1>t</h1>\n" * (MB // 11),
    "anchor-class": "<h1><a class=\"" + "anchor" * (MB // 6) + "</h1>\n",
    "title-symbols": "# a" + "☆" * MB + "\n",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_1mb_notes_finish(name: str, tmp_path: Path) -> None:
    """Each took minutes to hours before the scanners were made linear (12 KB of escaped dollars: 3 s)."""
    f = tmp_path / "n.md"
    f.write_text(PATHOLOGICAL[name] * 4, encoding="utf-8")  # 4 MB: parse_note has no size cap
    code = ("import sys; from pathlib import Path; from gdstudy.interop.notes import parse_note, sections_of; "
            "from gdstudy.interop.notecards import parse_cards; "
            "n = parse_note(Path('n.md'), Path(sys.argv[1]).read_text(encoding='utf-8')); sections_of(n); parse_cards(n)")
    p = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert p.returncode == 0, p.stderr


def test_cloze_paragraph_is_not_rendered_once_per_cloze(monkeypatch: pytest.MonkeyPatch) -> None:
    """50 clozes in a ~1 MB paragraph: the text handed to `display` stays within a few times the note
    (it was 101 renderings of the whole paragraph: 102 s, 283 MB)."""
    seen = [0]
    real = notecards.display

    def counting(s: str) -> tuple[str, list[str]]:
        seen[0] += len(s)
        return real(s)

    monkeypatch.setattr(notecards, "display", counting)
    monkeypatch.setattr(cardtext, "display", counting)
    words = "word " * 4000
    text = " ".join(f"{{{{c{i}::x{i}}}}} {words}" for i in range(1, 51)) + "\n"
    r = parse_cards(parse_note(Path("n.md"), text))
    assert seen[0] <= 4 * len(text), seen[0]
    assert r.errors and r.errors[0][0] == 1 and not r.cards


def test_many_note_tags_times_many_cards_is_refused_early(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"q{i}::a{i}\n" for i in range(5000)) + "\n" + " ".join(f"#t{i}" for i in range(60_000)) + "\n"
    r = parse_cards(parse_note(Path("n.md"), text))
    assert r.errors and "tags" in r.errors[0][1] and not r.cards


def test_cloze_paragraph_small_enough_still_imports() -> None:
    text = "Intro.\n\n" + " ".join(f"{{{{c{i}::x{i}}}}} and" for i in range(1, 51)) + "\n"
    r = parse_cards(parse_note(Path("n.md"), text))
    assert not r.errors and len(r.cards) == 50
    assert r.cards[0].front.startswith("[…] and x2") and r.cards[0].back.startswith("**x1** and x2")


# ---------------------------------------------------------------------------------------------
# hypothesis: random bytes, names and nesting never raise


NAME_BYTES = st.binary(min_size=1, max_size=12).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_"))
BODY_BYTES = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([b"Q::A\n", b"{{c9999999999999::x}}\n", b"$a\\$a\\$", b"![x](aa", b"<h1>t</h1>\n",
                              b"\xff", b"\r\n", b"==h==", b"#tag ", b"\n\n", b"&#99999999999;"]), max_size=20).map(b"".join),
)


@needs_bytes_names
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.lists(NAME_BYTES, max_size=3), NAME_BYTES, BODY_BYTES), min_size=1, max_size=6))
def test_random_vaults_import_without_raising(files: list[tuple[list[bytes], bytes, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.fsencode(tmp) + b"/v"
        os.mkdir(root)
        for folders, name, data in files:
            d = root
            for part in folders:
                if part in (b".", b".."):
                    continue
                d = d + b"/" + part
                if os.path.isfile(d):
                    break
                os.makedirs(d, exist_ok=True)
            else:
                p = d + b"/" + name + b".md"
                if not os.path.isdir(p):
                    with open(p, "wb") as f:
                        f.write(data)
        before = tree(Path(os.fsdecode(root)))
        r = import_notes([Path(os.fsdecode(root))], Path(tmp) / "deck")
        for e in r.errors:
            assert str(e).encode("utf-8")  # printable: no lone surrogates
        assert tree(Path(os.fsdecode(root))) == before
        again = import_notes([Path(os.fsdecode(root))], Path(tmp) / "deck")
        assert not again.written


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("$\\a ![](){}c1:=#<h1>/&;x\n`*?")), max_size=400))
def test_random_scanner_text_never_raises(text: str) -> None:
    note = parse_note(Path("n.md"), text)
    sections_of(note)
    parse_cards(note)


# ---------------------------------------------------------------------------------------------
# the linear rewrites find exactly what the old (quadratic) patterns found

import html  # noqa: E402
import re  # noqa: E402
import unicodedata  # noqa: E402

from gdstudy.interop import notes as notes_mod  # noqa: E402
from gdstudy.interop.coverage import _match  # noqa: E402
from gdstudy.interop.spans import MATH, math_spans  # noqa: E402

OLD_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]\(([^()\s]*)[^()]*\)")
OLD_ANCHOR = re.compile(r"<a\b[^<>]*class=\"[^\"<>]*anchor[^\"<>]*\"[^<>]*>[^<]*</a\s*>", re.I)


def old_clean_title_tail(t: str) -> str:
    while t and unicodedata.category(t[-1]).startswith(("S", "Z")) and t[-1] not in ")]":
        t = t[:-1].rstrip()
    return t


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("$$$\\\\a 1\n\u00a0٣")), max_size=30))
def test_math_spans_are_the_regex_matches(s: str) -> None:
    assert math_spans(s) == [m.span() for m in MATH.finditer(s)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("![]()a /x\t")), max_size=30))
def test_image_pattern_unchanged(s: str) -> None:
    assert [m.groups() + (m.span(),) for m in notes_mod.MD_IMAGE.finditer(s)] == \
           [m.groups() + (m.span(),) for m in OLD_MD_IMAGE.finditer(s)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(['<a', ' class="', 'anchor', 'ANCHOR', '"', '>', 'x', '</a>', '<', ' ', 'CLASS="']),
                max_size=14).map("".join))
def test_anchor_removal_unchanged(s: str) -> None:
    def anchor(m: re.Match[str]) -> str:
        return " " if any("anchor" in v.lower() for v in notes_mod.CLASS_VALUE.findall(m.group(1))) else m.group(0)

    assert notes_mod.A_ELEMENT.sub(anchor, s) == OLD_ANCHOR.sub(" ", s)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a ☆★)] \u3000#*x")), max_size=20))
def test_title_tail_unchanged(s: str) -> None:
    t = " ".join(s.replace("**", "").split())
    if "#" not in t:
        assert notes_mod.clean_title(t) == old_clean_title_tail(t)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["&#", "&#x", "0", "00000000", "6", "5", "9999999", "1114111", "1114112", "10FFFF",
                                 "110000", "f", ";", "amp;", "&", "a"]), max_size=10).map("".join))
def test_unescape_matches_html_unescape(s: str) -> None:
    try:
        want = html.unescape(s)
    except ValueError:  # past the int-string limit: cannot happen with these sizes
        return
    assert notes_mod._unescape(s) == want


def test_coverage_match_prefers_the_longest_title() -> None:
    titles = {t: t for t in ["SGD", "SGD (intro)", "Momentum"]}
    assert _match("SGD (intro) (detail)", titles) == "SGD (intro)"  # type: ignore[arg-type]
    assert _match("SGD (x)", titles) == "SGD"  # type: ignore[arg-type]
    assert _match("SGD", titles) == "SGD"  # type: ignore[arg-type]
    assert _match("SGDx (y)", titles) is None and _match("Momentum (a", titles) is None  # type: ignore[arg-type]


def test_cloze_lines_are_displayed_once_per_card_that_hides_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """50 clozes, one per line, in a paragraph with long plain lines: each line is displayed a
    bounded number of times (all 101 renderings of every line before: ~30x the paragraph here)."""
    seen = [0]
    real = notecards.display

    def counting(s: str) -> tuple[str, list[str]]:
        seen[0] += len(s)
        return real(s)

    monkeypatch.setattr(notecards, "display", counting)
    monkeypatch.setattr(cardtext, "display", counting)
    text = "".join(f"Fact {i}: {{{{c{i}::x{i}}}}} {'word ' * 10}\n" for i in range(1, 51)) + ("plain " * 250 + "\n") * 8
    r = parse_cards(parse_note(Path("n.md"), text))
    assert not r.errors and len(r.cards) == 50
    assert seen[0] <= 4 * len(text), (seen[0], len(text))
    c7 = next(c for c in r.cards if c.suffix == "c7")
    assert "Fact 7: […]" in c7.front and "Fact 8: x8" in c7.front and "Fact 7: **x7**" in c7.back
