"""Tests that write rows of one CSV into a copy of ``tests/fixtures/mini`` and read what
validation says of it (fleet.csv, projects.csv, outages.csv, ...)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from crudeflow import validate_dataset
from tests.cli_subprocess import crudeflow_cli

MINI = Path(__file__).parent / "fixtures" / "mini"


def copy_mini(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/mini (``tmp_path / "mini"``) to write rows into."""
    dst = tmp_path / "mini"
    shutil.copytree(MINI, dst)
    return dst


def write_rows(
    folder: Path, name: str, rows: Iterable[dict[str, str]], columns: Sequence[str]
) -> Path:
    """Write ``folder / name``: a header of ``columns``, then ``rows`` (cells a row lacks are
    empty, cells not in ``columns`` left out). Returns ``folder``."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in columns})
    (folder / name).write_text(buf.getvalue(), encoding="utf-8")
    return folder


def problems(folder: Path) -> list[str]:
    """Every problem validation finds in ``folder``, as ``file:line: field = ...`` text."""
    return [str(p) for p in validate_dataset(folder)]


def problems_in(folder: Path, name: str, message: str) -> list[str]:
    """The problems on file ``name``, after checking that one of them starts with ``message``."""
    found = [p for p in problems(folder) if p.startswith(name)]
    assert any(p.startswith(message) for p in found), problems(folder)
    return found


def validate_cli(folder: Path) -> subprocess.CompletedProcess[str]:
    """``crudeflow network validate folder`` in a fresh interpreter (exit code, output)."""
    return crudeflow_cli("network", "validate", str(folder))
