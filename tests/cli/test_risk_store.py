"""`crudeflow risk` commits each batch to the runs store; `risk resume` finishes a killed run
with exactly the numbers of an uninterrupted one."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ARGS = ["--draws", "1500", "--batch-size", "100", "--seed", "11", "--attribution-draws", "300"]


def crudeflow(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from crudeflow.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def summaries(stdout: str) -> list[dict[str, Any]]:
    return list(json.loads(stdout)["summaries"])


def test_a_risk_run_is_stored_and_listed(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    out = crudeflow(
        "risk",
        "--draws",
        "200",
        "--batch-size",
        "100",
        "--store",
        str(store),
        "--json",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    listed = crudeflow("runs", "list", "--store", str(store), "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)
    assert len(runs) == 1 and runs[0]["status"] == "done"
    shown = crudeflow(
        "runs", "show", runs[0]["run_id"], "--store", str(store), "--json", cwd=tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["summary"]["summaries"] == summaries(out.stdout)


def test_no_store_writes_no_file(tmp_path: Path) -> None:
    out = crudeflow("risk", "--draws", "100", "--no-store", "--no-attribution", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert list(tmp_path.iterdir()) == []


def test_resume_of_an_unknown_or_finished_run_is_a_clean_error(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    done = crudeflow(
        "risk", "--draws", "100", "--store", str(store), "--no-attribution", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    run_id = re.search(r"run (\S+) ->", done.stderr).group(1)  # type: ignore[union-attr]
    again = crudeflow("risk", "resume", run_id, "--store", str(store), cwd=tmp_path)
    assert again.returncode == 2 and "already done" in again.stderr
    unknown = crudeflow("risk", "resume", "nope", "--store", str(store), cwd=tmp_path)
    assert unknown.returncode == 1 and "no run 'nope'" in unknown.stderr
    assert "Traceback" not in again.stderr + unknown.stderr


@pytest.mark.slow
def test_kill_9_then_resume_gives_the_uninterrupted_numbers(tmp_path: Path) -> None:
    whole = crudeflow("risk", *ARGS, "--store", str(tmp_path / "a.duckdb"), "--json", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr

    store = tmp_path / "b.duckdb"
    wal = Path(str(store) + ".wal")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from crudeflow.cli import main; main()",
            "risk",
            *ARGS,
            # in-process batches: the main process is not racing its own workers for the CPU,
            # so a commit seen starting in the write-ahead log ends before the kill lands
            "--workers",
            "1",
            "--store",
            str(store),
            "--json",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    # kill once a batch is committed: the write-ahead log has grown past the run's row and then
    # stopped growing for a moment (the commit's writes ended; killed while they were under way,
    # under load, the batch was lost and none counted done). A later commit cut short is lost
    # alone: at least one batch is done.
    last_size, since = -1, time.monotonic()
    while proc.poll() is None and time.monotonic() < deadline:
        size = wal.stat().st_size if wal.exists() else 0
        if size != last_size:
            last_size, since = size, time.monotonic()
        elif size > 20_000 and time.monotonic() - since > 0.25:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed: raise --draws"
    os.kill(proc.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    run_id = re.search(r"run (\S+) ->", err).group(1)  # type: ignore[union-attr]

    shown = crudeflow("runs", "show", run_id, "--store", str(store), "--json", cwd=tmp_path)
    info = json.loads(shown.stdout)
    assert 0 < info["n_batches_done"] < info["n_batches_total"]

    resumed = crudeflow("risk", "resume", run_id, "--store", str(store), "--json", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert summaries(resumed.stdout) == summaries(whole.stdout)
