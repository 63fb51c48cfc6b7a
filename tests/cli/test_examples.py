"""Every example a user is shown runs: README, docs/*.md, the dataset README and ``--help``.

Collected examples (issue 8 item 14):

* each ``crudeflow ...`` line in a fenced code block of ``README.md``, ``docs/*.md`` and the
  default dataset's ``README.md`` (``.venv/bin/`` and ``$ `` prefixes dropped, ``# comments``
  dropped, ``\\`` continuations joined), and each inline code span that is a ``crudeflow ...``
  command line;
* each ``crudeflow ...`` line in a command's help text or epilog (every command, every group);
* each quoted requirement example in the help of a ``--require`` option, run as
  ``crudeflow plan --require '<example>'``.

Each runs through the Typer app in-process with the default dataset, errors mapped to exit codes
the way the console script maps them, in a fresh temporary working directory (so commands that
write files write there, and never into an existing file). The expected exit code is 0 unless
the example's comment documents another (``# exits 3``). Conventions for doc writers:

* placeholders ``DIR``, ``FOLDER`` and ``path/to/dataset`` stand for the default dataset folder,
  ``FILE`` and ``SCENARIO`` for a preset scenario file; ``[--flag]`` runs the command both
  with and without the flag;
* a fenced ``yaml`` block whose first line is a comment naming a file (``# my-case.yaml`` or
  ``# file: my-case.yaml``, as in docs/scenario-format.md) is
  written into the working directory before that document's commands run, so a doc can show a
  scenario file and then run it;
* a command whose comment says ``not run`` is skipped (say why in the doc).

``crudeflow serve`` is skipped: it starts a server that runs until stopped (tests/web cover it).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main

from crudeflow.cli import app
from tests.conftest import invoke_cli

ROOT = Path(__file__).parents[2]
DATASET = ROOT / "src" / "crudeflow" / "data" / "kazakhstan"
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), DATASET / "README.md"])
PRESET_FILE = str(DATASET / "scenarios" / "spm2-loss-2025.yaml")
PLACEHOLDERS = {
    "DIR": str(DATASET),
    "FOLDER": str(DATASET),
    "path/to/dataset": str(DATASET),
    "FILE": PRESET_FILE,
    "SCENARIO": PRESET_FILE,
}
SKIPPED = {"serve": "starts a server that runs until stopped; tests/web cover it"}


@dataclass(frozen=True)
class Example:
    """One command line as a user reads it, where it was found and the exit code it documents."""

    where: str
    line: str
    args: tuple[str, ...]
    code: int = 0
    files: tuple[tuple[str, str], ...] = ()  # (name, text) written into the working directory

    @property
    def id(self) -> str:
        return f"{self.where}: {self.line}"


def _expected_code(comment: str) -> int:
    m = re.search(r"\bexit(?:s)?(?: code| with)? (\d)\b", comment)
    return int(m.group(1)) if m else 0


def _variants(args: list[str]) -> Iterator[list[str]]:
    """``[--flag]`` gives the command without and with the flag."""
    optional = [i for i, a in enumerate(args) if re.fullmatch(r"\[-[^\]]+\]", a)]
    if not optional:
        yield args
        return
    yield [a for i, a in enumerate(args) if i not in optional]
    yield [a[1:-1] if i in optional else a for i, a in enumerate(args)]


def _examples_from_line(
    where: str, raw: str, files: tuple[tuple[str, str], ...] = ()
) -> Iterator[Example]:
    line = raw.strip()
    line = re.sub(r"^(?:\$\s+)?(?:\.venv/bin/)?", "", line)
    if not line.startswith("crudeflow "):
        return
    code_part, _, comment = line.partition(" #")
    if "not run" in comment:
        return
    args = shlex.split(code_part)[1:]
    if not args or args[0].startswith("crudeflow."):
        return
    args = [PLACEHOLDERS.get(a, a) for a in args]
    for variant in _variants(args):
        yield Example(where, code_part.strip(), tuple(variant), _expected_code(comment), files)


def _doc_examples(path: Path) -> Iterator[Example]:
    text = path.read_text(encoding="utf-8")
    where = str(path.relative_to(ROOT))
    files: list[tuple[str, str]] = []
    blocks = list(re.finditer(r"^```([^\n]*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE))
    for b in blocks:
        info, body = b.group(1).strip(), b.group(2)
        first = body.splitlines()[0].strip() if body.strip() else ""
        m = re.fullmatch(r"#\s*(?:file:\s*)?([\w.-]+\.ya?ml)", first)
        if info.startswith("yaml") and m:
            files.append((m.group(1), body))
    for b in blocks:
        body = b.group(2).replace("\\\n", " ")
        for raw in body.splitlines():
            yield from _examples_from_line(where, raw, tuple(files))
    outside = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    for span in re.findall(r"`(crudeflow [^`\n]+)`", outside):
        yield from _examples_from_line(where, span, tuple(files))


# Typer >= 0.20 vendors click (typer._click), so commands are found by duck typing.
def _commands(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


def _command(path: tuple[str, ...]) -> Any:
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


COMMANDS = list(_commands(typer.main.get_command(app)))


def _help_examples() -> Iterator[Example]:
    for path in COMMANDS:
        cmd = _command(path)
        where = f"crudeflow {' '.join(path)} --help".replace("  ", " ")
        texts = [cmd.help or "", cmd.epilog or ""]
        texts += [getattr(p, "help", None) or "" for p in cmd.params]
        for text in texts:
            for raw in text.splitlines():
                yield from _examples_from_line(where, raw)
        for p in cmd.params:
            if "--require" in getattr(p, "opts", ()):
                for req in re.findall(r"'([^']+)'", getattr(p, "help", None) or ""):
                    yield Example(where, f"--require '{req}'", ("plan", "--require", req))


def _all_examples() -> list[Example]:
    seen: dict[tuple[str, ...], Example] = {}
    for ex in [*(e for doc in DOCS for e in _doc_examples(doc)), *_help_examples()]:
        seen.setdefault(ex.args, ex)
    return list(seen.values())


EXAMPLES = _all_examples()


def invoke(args: tuple[str, ...]) -> tuple[int, str]:
    """Run the app as the console script does (library errors mapped by handle_errors)."""
    return invoke_cli(*args)


def test_examples_were_found() -> None:
    """The collection itself is pinned: an empty list would make every other test vacuous."""
    wheres = {e.where for e in EXAMPLES}
    assert "README.md" in wheres
    assert any(w.startswith("crudeflow plan --help") for w in wheres)
    assert ("plan", "--require", "route CPC <= 40 Mt/yr") in {e.args for e in EXAMPLES}
    assert len(EXAMPLES) >= 15


def _param(example: Example) -> Any:
    """A ``crudeflow risk`` example is a Monte Carlo run of hundreds to 10,000 draws (tens of
    seconds each): marked slow, so ``make test-slow`` (and CI) runs it, not ``make test``;
    tests/cli/test_risk_cli.py covers the command with small runs in ``make test``."""
    marks = [pytest.mark.slow] if example.args[0] == "risk" else []
    return pytest.param(example, id=example.id, marks=marks)


@pytest.mark.parametrize("example", [_param(e) for e in EXAMPLES])
def test_example_runs(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if example.args[0] in SKIPPED:
        pytest.skip(f"crudeflow {example.args[0]}: {SKIPPED[example.args[0]]}")
    for name, text in example.files:
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out = invoke(example.args)
    assert code == example.code, f"{example.id}\nexit {code}\n{out[-2000:]}"
    assert "Traceback" not in out


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "crudeflow" for p in COMMANDS])
def test_every_help_text_renders(path: tuple[str, ...]) -> None:
    code, out = invoke((*path, "--help"))
    assert code == 0
    assert "Usage:" in out


def test_placeholder_and_optional_flag_expansion() -> None:
    found = list(_examples_from_line("t", "crudeflow bypass --avoid RU [--physical]  # exits 0"))
    assert [e.args for e in found] == [
        ("bypass", "--avoid", "RU"),
        ("bypass", "--avoid", "RU", "--physical"),
    ]
    (one,) = _examples_from_line("t", ".venv/bin/crudeflow network validate DIR   # exits 1")
    assert one.args == ("network", "validate", str(DATASET)) and one.code == 1
    (two,) = _examples_from_line("t", "$ crudeflow scenario run FILE")
    assert two.args == ("scenario", "run", PRESET_FILE) and two.code == 0
    assert not list(_examples_from_line("t", "crudeflow serve --port 1  # not run: blocks"))
