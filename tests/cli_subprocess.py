"""``crudeflow ARGS`` as a user runs it: the console entry point in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import crudeflow

SRC = Path(crudeflow.__file__).resolve().parents[1]
"""The folder this checkout's crudeflow is imported from."""
REPO = Path(__file__).resolve().parents[1]


def crudeflow_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``crudeflow ARGS`` in a subprocess that imports this checkout's crudeflow (and
    ``tests``) from any ``cwd``; output captured as text, any exit code returned (errors go
    through the console script's handler)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-c", "from crudeflow.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )
