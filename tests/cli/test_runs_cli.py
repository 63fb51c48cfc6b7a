"""``crudeflow runs list|show|export``: exit codes, messages, and files written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import crudeflow
from crudeflow.cli import app
from crudeflow.cli._common import handle_errors
from crudeflow.cli.runs import DEFAULT_STORE_NAME
from crudeflow.store import DEFAULT_STORE, RunsStore
from tests.montecarlo.store_helpers import full_run, spec

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SRC = Path(crudeflow.__file__).resolve().parents[1]


def run(*args: str) -> tuple[int, str]:
    """Invoke the app the way the console script does (errors mapped by handle_errors)."""
    try:
        with handle_errors():
            result = runner.invoke(app, list(args), catch_exceptions=False)
            return result.exit_code, result.output
    except SystemExit as exc:
        return int(exc.code or 0), ""


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess (stderr captured)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-c", "from crudeflow.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, str]:
    """A store with one finished run (2 scenarios x 3 batches) and one interrupted run."""
    path = tmp_path / "runs.duckdb"
    with RunsStore(path) as store:
        run_id = store.create_run(spec())
        for batch in full_run():
            store.append_batch(run_id, batch)
        store.finish_run(run_id, "done", json.dumps({"mean_lost_mt": 2.5}), 3.25)
        half = store.create_run(spec(draws=20))
        store.append_batch(half, full_run(draws=20)[0])
    return path, run_id


def test_default_store_is_in_the_working_folder() -> None:
    assert Path(DEFAULT_STORE_NAME) == DEFAULT_STORE
    assert not DEFAULT_STORE.is_absolute()


def test_runs_list_shows_every_run(stored: tuple[Path, str]) -> None:
    path, run_id = stored
    code, out = run("runs", "list", "--store", str(path))
    assert code == 0
    assert run_id in out
    assert "6/6" in out and "done" in out
    assert "1/10" in out and "interrupted" in out


def test_runs_list_json(stored: tuple[Path, str]) -> None:
    path, run_id = stored
    code, out = run("runs", "list", "--store", str(path), "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 2 and rows[0]["run_id"] == run_id
    assert rows[0]["summary"] == {"mean_lost_mt": 2.5}
    assert rows[0]["n_draws_stored"] == 20


def test_runs_list_uses_the_store_in_the_working_folder(
    stored: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, run_id = stored
    path.rename(path.parent / DEFAULT_STORE_NAME)
    monkeypatch.chdir(path.parent)
    code, out = run("runs", "list")
    assert code == 0 and run_id in out


def test_runs_list_of_an_empty_store(tmp_path: Path) -> None:
    RunsStore(tmp_path / "empty.duckdb").close()
    code, out = run("runs", "list", "--store", str(tmp_path / "empty.duckdb"))
    assert code == 0 and "no runs in" in out


def test_runs_show_prints_spec_summary_and_counts(stored: tuple[Path, str]) -> None:
    path, run_id = stored
    code, out = run("runs", "show", run_id, "--store", str(path))
    assert code == 0
    assert "6 of 6 committed" in out
    assert "20 draw rows" in out
    assert '"seed": 42' in out
    assert '"mean_lost_mt": 2.5' in out


def test_runs_show_json(stored: tuple[Path, str]) -> None:
    path, run_id = stored
    code, out = run("runs", "show", run_id, "--store", str(path), "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["spec"] == spec()
    assert (shown["n_batches_done"], shown["n_batches_total"]) == (6, 6)


def test_runs_show_of_an_interrupted_run_says_how_to_resume(stored: tuple[Path, str]) -> None:
    path, _ = stored
    with RunsStore(path, read_only=True) as store:
        half = store.list_runs()[1].run_id
    code, out = run("runs", "show", half, "--store", str(path))
    assert code == 0
    assert f"crudeflow risk resume {half}" in out
    assert "none yet" in out


def test_unknown_run_id_exits_1_with_did_you_mean(stored: tuple[Path, str]) -> None:
    path, run_id = stored
    result = cli("runs", "show", run_id[:-1] + "q", "--store", str(path))
    assert result.returncode == 1
    assert f"did you mean {run_id}" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_store_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    result = cli("runs", "list", cwd=tmp_path)
    assert result.returncode == 1
    assert "no runs store at crudeflow-runs.duckdb" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / DEFAULT_STORE_NAME).exists()  # reading never creates a store


@pytest.mark.parametrize("content", [b"", b"id,name\n1,CPC\n"])
def test_non_store_file_exits_1(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(content)
    result = cli("runs", "list", "--store", str(bad))
    assert result.returncode == 1
    assert "not a crudeflow runs store" in result.stderr
    assert "Traceback" not in result.stderr
    assert bad.read_bytes() == content


def test_locked_store_exits_1_naming_the_holder(stored: tuple[Path, str]) -> None:
    path, run_id = stored
    holder_code = f"""
        import time
        from crudeflow.store import RunsStore
        with RunsStore({str(path)!r}) as store:
            print("held", flush=True)
            time.sleep(600)
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(REPO)])}
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(holder_code)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        result = cli("runs", "show", run_id, "--store", str(path))
    finally:
        holder.kill()
        holder.communicate()
    assert result.returncode == 1
    assert f"in use by process {holder.pid}" in result.stderr
    assert "Traceback" not in result.stderr
    assert run("runs", "show", run_id, "--store", str(path))[0] == 0  # intact afterwards


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_runs_export_round_trip(stored: tuple[Path, str], tmp_path: Path, fmt: str) -> None:
    path, run_id = stored
    out = tmp_path / f"draws.{fmt}"
    code, printed = run(
        "runs", "export", run_id, "--format", fmt, "--out", str(out), "--store", str(path)
    )
    assert code == 0 and str(out) in printed
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    con = duckdb.connect()
    back = con.execute(f"SELECT * FROM {reader}(?)", [str(out)]).df()
    con.close()
    expected = pd.concat([b.draws for b in full_run()], ignore_index=True)
    assert list(back.columns) == list(expected.columns)
    numeric = expected.select_dtypes("number").columns
    np.testing.assert_array_equal(back[numeric].to_numpy(), expected[numeric].to_numpy())


def test_runs_export_events(stored: tuple[Path, str], tmp_path: Path) -> None:
    path, run_id = stored
    out = tmp_path / "events.csv"
    code, _ = run(
        "runs", "export", run_id, "--format", "csv", "--out", str(out), "--table", "events",
        "--store", str(path),
    )  # fmt: skip
    assert code == 0
    header = out.read_text().splitlines()[0]
    assert header == "scenario,draw,hazard,start_day,duration_days,fraction_lost"


def test_runs_export_keeps_an_existing_file_unless_forced(
    stored: tuple[Path, str], tmp_path: Path
) -> None:
    path, run_id = stored
    out = tmp_path / "mine.parquet"
    out.write_bytes(b"my own file")
    args = [
        "runs",
        "export",
        run_id,
        "--format",
        "parquet",
        "--out",
        str(out),
        "--store",
        str(path),
    ]
    assert run(*args)[0] == 1
    assert out.read_bytes() == b"my own file"
    assert run(*args, "--force")[0] == 0
    assert out.read_bytes()[:4] == b"PAR1"


def test_runs_export_bad_format_is_usage_error(stored: tuple[Path, str], tmp_path: Path) -> None:
    path, run_id = stored
    args = ["runs", "export", run_id, "--format", "xml", "--out", str(tmp_path / "x")]
    assert run(*args, "--store", str(path))[0] == 2


def test_store_that_is_a_folder_exits_1(tmp_path: Path) -> None:
    code, _ = run("runs", "list", "--store", str(tmp_path))
    assert code == 1
    result = cli("runs", "list", "--store", str(tmp_path))
    assert result.returncode == 1 and "is a folder" in result.stderr
