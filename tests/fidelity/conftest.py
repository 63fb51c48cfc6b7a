"""Helpers for the fidelity tests (node limits, values by year, commitments, sensitivity)."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def add_column(folder: Path, name: str, column: str, values: dict[str, str]) -> None:
    """Add ``column`` to a CSV of ``folder``: ``values`` by first cell, empty elsewhere."""
    path = folder / name
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[0].append(column)
    for row in rows[1:]:
        if row:
            row.append(values.get(row[0], ""))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
