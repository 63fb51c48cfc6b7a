"""A scenario's hazard rows take exactly the columns of outages.csv (two lists kept apart so
each keeps its own order in messages; this keeps them from drifting)."""

from __future__ import annotations

from crudeflow._scenario_hazards import _ROW_KEYS
from crudeflow.network._checks import _COLUMNS


def test_scenario_hazard_keys_are_the_outages_csv_columns() -> None:
    required, optional = _COLUMNS["outages.csv"]
    assert len(set(_ROW_KEYS)) == len(_ROW_KEYS)
    assert set(_ROW_KEYS) == {*required, *optional}
