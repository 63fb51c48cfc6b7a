"""Fuzz target: scenario YAML through parse, apply and solve.

Three sources of documents: structured scenarios built from the format's keys and hostile
values (misspelt keys, ``x_`` keys, NaN, huge numbers, bad dates, lists where text belongs,
anchors and aliases), the shipped presets with random edits (applied to the default dataset), and arbitrary text. Every example
must end in a plan or a :class:`~crudeflow.errors.CrudeflowError`; none may reach the solver
with a number it rejects (an :class:`~crudeflow.errors.OptimisationError`), and none may take
longer than the fuzz deadline.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from crudeflow.errors import CrudeflowError, OptimisationError
from crudeflow.network.load import load_dataset
from crudeflow.network.model import toy_network
from crudeflow.scenario import apply_scenario, parse_scenario, run_scenario
from tests.fuzz.conftest import fuzz_settings

PRESETS = sorted(
    (Path(__file__).resolve().parents[2] / "src/crudeflow/data/kazakhstan/scenarios").glob("*.yaml")
)
PRESET_TEXTS = [p.read_text(encoding="utf-8") for p in PRESETS]
NET = toy_network()
KZ = load_dataset()

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 0.5, 1, 4, 10, 11, 1e300, -1e-300]),
)
words = st.sampled_from(
    ["A_B", "B_M", "A_M", "A", "B", "M", "RU", "KZ", "TR", "ru", "XX", "", "cpc", "ü", "*", "-"]
)
dates = st.one_of(
    st.sampled_from(
        ["2025-01", "2025-06-15", "2025-12-31", "2025-02-30", "2025-13", "0000-01", "2026-01", "x"]
    ),
    st.text(max_size=12),
)
scalars = st.one_of(numbers, words, dates, st.booleans(), st.none(), st.text(max_size=20))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=6,
)
change_keys = st.sampled_from(
    [
        "route",
        "group",
        "market",
        "supply",
        "ban",
        "capacity_factor",
        "capacity_mtpa",
        "status",
        "tariff_usd_per_t",
        "diff_usd_per_bbl",
        "factor",
        "mtpa",
        "from",
        "to",
        "source",
        "note",
        "x_note",
        "capacity_facter",
        "rout",
    ]
)


FITTING = {
    "route": ["capacity_factor", "capacity_mtpa", "status", "tariff_usd_per_t"],
    "group": ["capacity_factor", "status"],
    "market": ["diff_usd_per_bbl"],
    "supply": ["factor", "mtpa"],
    "ban": [],
}


_ONE_IN_EIGHT = [False] * 7 + [True]


def _rarely(draw: st.DrawFn) -> bool:
    """True for about one draw in eight: hostile parts stay rare enough that most
    documents get past the first check and exercise the later ones."""
    return draw(st.sampled_from(_ONE_IN_EIGHT))


@st.composite
def changes(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(FITTING)))
    out: dict[str, Any] = {kind: draw(words)}
    keys = [draw(st.sampled_from(FITTING[kind]))] if FITTING[kind] else []
    if draw(st.booleans()):
        keys += ["from", "to"]
    if _rarely(draw):
        keys += draw(st.lists(change_keys, max_size=3))
    for key in keys:
        if key in ("from", "to"):
            out[key] = draw(dates)
        elif key == "status":
            out[key] = draw(st.sampled_from(["operating", "planned", "idle", "open"]))
        elif key in ("source", "note", "x_note"):
            out[key] = draw(st.text(max_size=20))
        else:
            out[key] = draw(values) if _rarely(draw) else draw(numbers)
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> str:
    doc: dict[str, Any] = {"name": draw(values) if _rarely(draw) else draw(st.text(max_size=10))}
    if not _rarely(draw):
        doc["horizon"] = draw(
            st.one_of(
                st.just({"year": 2025}),
                st.just({"year": 2025, "monthly": True}),
                st.fixed_dictionaries({"start": dates, "end": dates}),
                st.dictionaries(
                    st.sampled_from(["year", "monthly", "start", "end", "monthy"]), scalars
                ),
            )
        )
    doc["changes"] = draw(st.lists(changes(), max_size=6))
    if draw(st.booleans()):
        doc["requirements"] = draw(
            st.lists(
                st.one_of(st.sampled_from(["avoid RU", "via B >= 1 Mt/yr", "via B"]), values),
                max_size=3,
            )
        )
    if _rarely(draw):
        for key in draw(
            st.lists(
                st.sampled_from(["tags", "sources", "title", "extends", "x_a", "colour"]),
                max_size=2,
            )
        ):
            doc[key] = draw(values)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    if _rarely(draw):  # anchors and aliases, merge keys
        text += draw(
            st.sampled_from(
                ["x_a: &a [1, 2]\ntags: *a\n", "x_d: &d {factor: 0.5}\n", "x_z: *nope\n"]
            )
        )
    return text


@st.composite
def mutated_presets(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(PRESET_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        op = draw(st.sampled_from(["delete", "insert", "replace", "dup_line"]))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 20)) :]
        elif op == "insert":
            text = text[:i] + draw(st.text(max_size=8)) + text[i:]
        elif op == "replace":
            text = (
                text[:i]
                + draw(st.sampled_from(["&x ", "*x", ".nan", "1e999", "[", "{", ": ", "\n  - "]))
                + text[i + 1 :]
            )
        else:
            lines = text.splitlines(keepends=True)
            j = i % max(len(lines), 1)
            text = "".join(lines[: j + 1] + lines[j : j + 1] + lines[j + 1 :])
    return text


def _run(text: str) -> None:
    try:
        sc = parse_scenario(text, source="fuzz.yaml")
        apply_scenario(sc, NET)
        run_scenario(sc, NET)
    except OptimisationError as exc:  # a number reached the solver that parse should refuse
        raise AssertionError(f"reached the solver: {exc}") from exc
    except CrudeflowError:
        pass


@fuzz_settings
@given(scenarios())
def test_fuzz_structured_scenarios(text: str) -> None:
    _run(text)


@fuzz_settings
@given(mutated_presets())
def test_fuzz_mutated_presets(text: str) -> None:
    with contextlib.suppress(CrudeflowError):
        apply_scenario(parse_scenario(text, source="fuzz.yaml"), KZ)


@fuzz_settings
@given(st.text(max_size=300))
def test_fuzz_arbitrary_text(text: str) -> None:
    _run(text)
