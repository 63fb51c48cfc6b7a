"""Shared fixtures: the ``mini`` test dataset and a factory for broken copies of it."""

from __future__ import annotations

import csv
import io
import itertools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

MINI = Path(__file__).parent / "fixtures" / "mini"


class DatasetCopy:
    """A copy of the mini dataset in a temporary folder, with small editing helpers.

    Every helper returns ``self`` so edits chain::

        broken_dataset().set_cell("routes.csv", "A_HUB", "mode", "truck").path
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return str(self.path)

    # -- whole files and text ----------------------------------------------------------
    def text(self, name: str) -> str:
        return (self.path / name).read_text(encoding="utf-8")

    def write(self, name: str, content: str | bytes) -> DatasetCopy:
        target = self.path / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return self

    def replace(self, name: str, old: str, new: str) -> DatasetCopy:
        """Replace the one occurrence of ``old`` in a file (fails loudly when not exactly one)."""
        content = self.text(name)
        assert content.count(old) == 1, f"{old!r} occurs {content.count(old)} times in {name}"
        return self.write(name, content.replace(old, new))

    def delete(self, name: str) -> DatasetCopy:
        (self.path / name).unlink()
        return self

    def append(self, name: str, line: str) -> DatasetCopy:
        """Append one raw line (a CSV row as written) to a file."""
        content = self.text(name)
        if not content.endswith("\n"):
            content += "\n"
        return self.write(name, content + line + "\n")

    # -- CSV cells and columns ---------------------------------------------------------
    def _rows(self, name: str) -> list[list[str]]:
        with (self.path / name).open(newline="", encoding="utf-8") as fh:
            return list(csv.reader(fh))

    def _write_rows(self, name: str, rows: list[list[str]]) -> DatasetCopy:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return self.write(name, buf.getvalue())

    def set_cell(self, name: str, key: str, column: str, value: str) -> DatasetCopy:
        """Set ``column`` of the first row whose first cell is ``key``."""
        rows = self._rows(name)
        col = rows[0].index(column)
        row = next(r for r in rows[1:] if r and r[0] == key)
        row[col] = value
        return self._write_rows(name, rows)

    def drop_column(self, name: str, column: str) -> DatasetCopy:
        rows = self._rows(name)
        col = rows[0].index(column)
        return self._write_rows(name, [r[:col] + r[col + 1 :] for r in rows])

    def drop_row(self, name: str, key: str) -> DatasetCopy:
        """Remove the first row whose first cell is ``key``."""
        rows = self._rows(name)
        index = next(i for i, r in enumerate(rows) if i and r and r[0] == key)
        return self._write_rows(name, rows[:index] + rows[index + 1 :])


@pytest.fixture
def mini_path() -> Path:
    """The valid mini dataset folder (read only: copy it before changing anything)."""
    return MINI


@pytest.fixture
def broken_dataset(tmp_path: Path) -> Callable[[], DatasetCopy]:
    """Factory: each call gives a fresh editable copy of the mini dataset under ``tmp_path``."""
    counter = itertools.count()

    def make() -> DatasetCopy:
        target = tmp_path / f"mini{next(counter)}"
        shutil.copytree(MINI, target)
        return DatasetCopy(target)

    return make


def invoke_cli(*args: str) -> tuple[int, str]:
    """Exit code and output of ``crudeflow *args`` run in process as the console script runs
    it: library errors mapped to exit codes by ``handle_errors`` (their message goes to
    stderr, so the output is empty then)."""
    from typer.testing import CliRunner

    from crudeflow.cli import app
    from crudeflow.cli._common import handle_errors

    try:
        with handle_errors():
            result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    except SystemExit as exc:
        return int(exc.code or 0), ""
    return result.exit_code, result.output
