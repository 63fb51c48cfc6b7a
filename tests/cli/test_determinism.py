"""Every output is the same bytes on every run, whatever ``PYTHONHASHSEED`` is (issue 8, item 7).

Each hash seed gets its own Python process (the seed is fixed at start-up), which runs the
commands below through the CLI and reports a digest of every output: standard output for the
printing commands, the files written for the exports. Seeds 1 and 2 gave different bypass
flows before the max-flow graph got integer nodes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crudeflow.network.model import toy_network
from crudeflow.solve.maxflow import bypass

COMMANDS = [
    ["plan"],
    ["plan", "--json"],
    ["plan", "--csv"],
    ["plan", "--avoid", "RU", "--json"],
    ["bypass", "--avoid", "RU"],
    ["bypass", "--avoid", "RU", "--json"],
    ["bypass", "--avoid", "RU", "--avoid", "AZ", "--json"],
    ["scenario", "run", "spm2-loss-2025"],
    ["scenario", "run", "spm2-loss-2025", "--json"],
    ["scenario", "run", "spm2-loss-2025", "--csv"],
    ["scenario", "compare", "base-2025", "spm2-loss-2025", "--json"],
    ["run"],
]
EXPORTS = ["csv", "geojson", "pypsa"]

_CHILD = r"""
import hashlib, json, sys, tempfile
from pathlib import Path
from typer.testing import CliRunner
from crudeflow.cli import app

commands, exports = json.loads(sys.argv[1])
runner = CliRunner()
digests = {}
for args in commands:
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    digests[" ".join(args)] = hashlib.sha256(result.output.encode()).hexdigest()
with tempfile.TemporaryDirectory() as tmp:
    for fmt in exports:
        out = Path(tmp) / fmt
        result = runner.invoke(app, ["network", "export", "-f", fmt, "-o", str(out)])
        assert result.exit_code == 0, (fmt, result.output)
        for f in sorted(out.rglob("*")):
            key = f"export {fmt} {f.relative_to(out)}"
            digests[key] = hashlib.sha256(f.read_bytes()).hexdigest()
print(json.dumps(digests))
"""


def _digests(seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps([COMMANDS, EXPORTS])],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    digests: dict[str, str] = json.loads(proc.stdout.splitlines()[-1])
    return digests


@pytest.mark.slow  # four Python processes, each running every command
def test_cli_outputs_are_byte_identical_across_hash_seeds() -> None:
    runs = {seed: _digests(seed) for seed in ("1", "2", "3", "5")}
    first = runs["1"]
    assert len(first) == len(COMMANDS) + 4 + 1 + 7  # csv: 4 files, geojson: 1, pypsa: 7
    for seed, digests in runs.items():
        differ = sorted(k for k in first if digests.get(k) != first[k])
        assert not differ, f"PYTHONHASHSEED={seed} changes: {differ}"


def test_plan_json_leaves_out_solve_timings() -> None:
    from crudeflow.cli._common import json_text

    assert "timings_s" not in json.loads(json_text({"timings_s": {"total_s": 1.0}, "a": 1}))


def test_bypass_flows_do_not_depend_on_hash_seed() -> None:
    """The library call itself, not only the CLI, gives the same flows under any seed."""
    code = (
        "import json; from crudeflow.network.load import load_dataset; "
        "from crudeflow.solve.maxflow import bypass; "
        "print(json.dumps(bypass(load_dataset(), avoid=['RU']).to_dict()))"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=300,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert outs[0] == outs[1]
    # what the Aktau-Sangachal tankers carry in 2025 (fleet.csv: 4 x 0.377 Mt/yr)
    assert json.loads(outs[0])["flows_mtpa"]["AKTAU_SANGACHAL"] == pytest.approx(1.5068, abs=1e-4)


def test_bypass_splits_comma_separated_codes_like_plan() -> None:
    assert bypass(toy_network(), avoid=["ru,az"]).avoid == ("RU", "AZ")


@pytest.mark.slow  # two Python processes, each building the whole report
def test_report_is_byte_identical_across_hash_seeds_with_source_date_epoch(
    tmp_path: Path,
) -> None:
    """The report's only moving part, its time stamp, follows SOURCE_DATE_EPOCH."""
    pages = []
    for seed in ("1", "2"):
        folder = tmp_path / seed
        folder.mkdir()
        subprocess.run(
            [sys.executable, "-c", "from crudeflow.cli import main; main()", "report"],
            cwd=folder,
            env={**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1764547200"},
            capture_output=True,
            timeout=600,
            check=True,
        )
        pages.append((folder / "report.html").read_bytes())
    assert pages[0] == pages[1]
    assert b"2025-12-01 00:00:00 UTC" in pages[0]
