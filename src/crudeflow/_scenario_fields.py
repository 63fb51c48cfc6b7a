"""Reading the fields of a scenario file: types, ranges, dates, the horizon, file access.

Private helpers of :mod:`crudeflow.scenario`; every error is a
:class:`~crudeflow.errors.ScenarioError` that starts with ``file:line:``. The keys, ranges
and limits here are documented in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from crudeflow._yaml import YamlList, YamlMap
from crudeflow.errors import ScenarioError
from crudeflow.solve.lp import Periods

MAX_FILE_BYTES = 10_000_000
"""Largest scenario file."""

_TOP_KEYS = (
    "name",
    "title",
    "description",
    "extends",
    "dataset",
    "horizon",
    "changes",
    "requirements",
    "sources",
    "tags",
    "hazards",
)
_HORIZON_KEYS = ("year", "monthly", "start", "end")
_SOURCE_KEYS = ("id", "title", "url", "as_of", "quote")
_KINDS = ("route", "group", "market", "supply", "ban", "fleet")
_COMMON_KEYS = ("from", "to", "source", "note")
_VALUE_KEYS: dict[str, tuple[str, ...]] = {
    "route": ("capacity_factor", "capacity_mtpa", "status", "tariff_usd_per_t"),
    "group": ("capacity_factor", "capacity_mtpa", "status", "tariff_usd_per_t"),
    "market": ("diff_usd_per_bbl",),
    "supply": ("factor", "mtpa"),
    "ban": (),
    "fleet": ("vessels",),
}
_RANGES: dict[str, tuple[float, float, str]] = {
    "capacity_factor": (0.0, 10.0, ""),
    "capacity_mtpa": (0.0, 10_000.0, " Mt/yr"),
    "tariff_usd_per_t": (0.0, 10_000.0, " USD/t"),
    "diff_usd_per_bbl": (-1_000.0, 1_000.0, " USD/bbl"),
    "factor": (0.0, 10.0, ""),
    "mtpa": (0.0, 10_000.0, " Mt/yr"),
    "vessels": (0.0, 1_000.0, " vessels"),
}
"""Allowed range of each number (inclusive); the unit is in the key."""
_STATUSES = ("operating", "planned", "idle")
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_YEARS = (1900, 2200)


def _err(file: str, line: int | None, message: str) -> ScenarioError:
    where = f"{file}:{line}" if line else file
    return ScenarioError(f"{where}: {message}")


def _show(value: Any) -> str:
    """A value as written, cut short for a one-line message."""
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, dict | list):
        text = "a mapping" if isinstance(value, dict) else "a list"
    return text if len(text) <= 60 else text[:57] + "..."


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _key_line(m: YamlMap, key: str) -> int:
    return m.key_lines.get(key, m.line)


def _check_keys(m: YamlMap, allowed: Sequence[str], *, file: str, what: str) -> None:
    for key in m:
        if key in allowed or key.startswith("x_"):
            continue
        raise _err(
            file,
            _key_line(m, key),
            f"{what}: unknown key {_show(key)}{_hint(key, allowed)} (allowed: "
            f"{', '.join(allowed)}; keys starting with x_ are ignored)",
        )


def _text(value: Any, *, file: str, line: int | None, what: str, limit: int | None = None) -> str:
    """A scalar as text (numbers are allowed: ``name: 2025``); lists and mappings are not."""
    if value is None:
        return ""
    if isinstance(value, dict | list) or not isinstance(value, str | int | float):
        raise _err(file, line, f"{what}: expected text, not {_show(value)}")
    text = str(value)
    if limit is not None and len(text) > limit:
        raise _err(file, line, f"{what}: {len(text):,} characters (at most {limit:,})")
    return text


def _list(value: Any, *, file: str, line: int | None, what: str, limit: int) -> YamlList:
    if value is None:
        out = YamlList()
        out.line, out.item_lines = line or 0, []
        return out
    if not isinstance(value, YamlList):
        raise _err(file, line, f"{what}: expected a list, not {_show(value)}")
    if len(value) > limit:
        raise _err(file, line, f"{what}: {len(value):,} entries (at most {limit:,})")
    return value


@functools.lru_cache(maxsize=4096)
def _parse_date(text: str, end: bool) -> dt.date | str:
    """The date ``text`` stands for (first or last day of a month), or what is wrong with it."""
    m = _DATE.match(text)
    if not m:
        return f"{_show(text)}: expected YYYY-MM or YYYY-MM-DD"
    y, mo = int(m.group(1)), int(m.group(2))
    if not _YEARS[0] <= y <= _YEARS[1]:
        return f"{text!r}: year must be {_YEARS[0]} to {_YEARS[1]}"
    if not 1 <= mo <= 12:
        return f"{text!r}: month must be 01 to 12"
    if m.group(3):
        try:
            return dt.date(y, mo, int(m.group(3)))
        except ValueError:
            return f"{text!r} does not exist"
    return dt.date(y, mo, calendar.monthrange(y, mo)[1] if end else 1)


def _date(value: Any, *, file: str, line: int | None, end: bool, what: str = "date") -> dt.date:
    text = _text(value, file=file, line=line, what=what).strip()
    got = _parse_date(text, end)
    if isinstance(got, str):
        raise _err(file, line, f"{what} {got}")
    return got


_HORIZON_FORMS = (
    "expected {year: 2025}, {year: 2025, monthly: true} or {start: 2025-01, end: 2025-12}"
)


def _horizon(raw: Any, *, file: str, line: int | None) -> Periods:
    if not isinstance(raw, YamlMap):
        raise _err(file, line, f"horizon: {_HORIZON_FORMS}")
    _check_keys(raw, _HORIZON_KEYS, file=file, what="horizon")
    hline = raw.line
    if "year" in raw:
        if "start" in raw or "end" in raw:
            raise _err(
                file, hline, f"horizon: give year or start and end, not both; {_HORIZON_FORMS}"
            )
        year = raw["year"]
        if (
            isinstance(year, bool)
            or not isinstance(year, int)
            or not _YEARS[0] <= year <= _YEARS[1]
        ):
            raise _err(
                file,
                _key_line(raw, "year"),
                f"horizon.year {_show(year)}: expected a year from {_YEARS[0]} to {_YEARS[1]}",
            )
        monthly = raw.get("monthly", False)
        if not isinstance(monthly, bool):
            raise _err(
                file,
                _key_line(raw, "monthly"),
                f"horizon.monthly {_show(monthly)}: expected true or false",
            )
        return Periods.monthly(year) if monthly else Periods.annual(year)
    if "monthly" in raw:
        raise _err(
            file,
            _key_line(raw, "monthly"),
            "horizon.monthly goes with year; start and end are monthly already",
        )
    if "start" in raw and "end" in raw:
        dates = []
        for key in ("start", "end"):
            kline = _key_line(raw, key)
            text = _text(raw[key], file=file, line=kline, what=f"horizon.{key}").strip()
            if not re.match(r"^\d{4}-\d{2}$", text):
                raise _err(
                    file,
                    kline,
                    f"horizon.{key} {_show(text)}: expected YYYY-MM (a horizon is whole months)",
                )
            dates.append(
                _date(text, file=file, line=kline, end=key == "end", what=f"horizon.{key}")
            )
        start, stop = dates
        months = (stop.year - start.year) * 12 + stop.month - start.month + 1
        if months < 1:
            raise _err(file, hline, "horizon: end is before start")
        if months > 240:
            raise _err(file, hline, "horizon: at most 240 months")
        return Periods.monthly(start.year, start_month=start.month, months=months)
    raise _err(file, hline, f"horizon: {_HORIZON_FORMS}")


def _read(path: Path, *, file: str, line: int | None) -> str:
    """A scenario file's text, refusing one above the size limit or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _err(
                file, line, f"{path}: {size:,} bytes (a scenario is at most {MAX_FILE_BYTES:,})"
            )
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _err(file, line, f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _err(file, line, f"{path}: more than {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _err(str(path), None, f"not UTF-8 text (byte {exc.start})") from None


def _resolved(path: Path, *, file: str, line: int | None, what: str) -> str:
    """The absolute form of a path a scenario names, or one clear error."""
    try:
        return str(path.resolve())
    except (OSError, ValueError) as exc:  # a NUL byte, a path too long
        raise _err(file, line, f"{what} {_show(str(path))}: not a usable path ({exc})") from None


def _number(key: str, value: Any, *, file: str, line: int) -> float:
    lo, hi, unit = _RANGES[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(file, line, f"{key} = {_show(value)}: expected a number (units are in the key)")
    if not (math.isfinite(value) and lo <= value <= hi):
        raise _err(
            file,
            line,
            f"{key} = {_show(value)}: expected a finite number from {lo:,g} to {hi:,g}{unit}",
        )
    return float(value)
