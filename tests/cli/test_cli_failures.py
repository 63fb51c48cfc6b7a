"""User-caused failures end in one clean line and exit 1 or 2, never a traceback (issue 8,
items 10, 13 and 16): output paths, standard output that is full, closed or gone, a busy port,
``--version``, exit codes shared by ``plan`` and ``bypass``, the help's glossary.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke_cli

MAIN = "from crudeflow.cli import main; main()"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """In process, as the console script maps errors: (exit code, stdout, stderr)."""
    code, out = invoke_cli(*args)
    return code, out, capsys.readouterr().err


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args], capture_output=True, text=True, timeout=300
    )


def _one_clean_line(err: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


# -- output paths (item 10) --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("report", "--out", "{tmp}"), 2, "is a folder"),
        (("report", "--out", "/dev/full"), 2, "/dev/full: is not a regular file"),
        (("report", "--out", "/dev/full", "--force"), 2, "not a regular file"),
        (("report", "--out", "/proc/version"), 2, "already exists; pass --force"),
        (("run", "--report", "/dev/full"), 2, "/dev/full: is not a regular file"),
        (("network", "export", "-f", "csv", "--out", "/dev/full"), 2, "not a folder"),
        (("network", "export", "-f", "geojson", "--out", "/dev/full"), 2, "not a folder"),
        (("network", "export", "-f", "pypsa", "--out", "{tmp}/file.txt"), 2, "not a folder"),
        (("network", "export", "-f", "csv", "--out", "{tmp}/file.txt/x"), 2, "not a folder"),
        (("report", "--out", "{tmp}/file.txt/r.html"), 2, "is not a folder"),
    ],
)
def test_bad_output_paths_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: tuple[str, ...],
    code: int,
    needle: str,
) -> None:
    (tmp_path / "file.txt").write_text("mine")
    got, _out, err = run(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert got == code, err
    assert needle in err
    _one_clean_line(err)
    assert (tmp_path / "file.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--out", ""),
        ("run", "--report", ""),
        ("network", "export", "-f", "geojson", "--out", ""),
    ],
)
def test_empty_output_path_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert "empty path" in out + err


def test_report_into_an_unwritable_place_exits_1_naming_the_path(tmp_path: Path) -> None:
    """/proc/version exists; with --force the write itself fails: exit 1, path and reason."""
    proc = cli("report", "--out", "/proc/version", "--force")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("error: /proc/version: ")
    _one_clean_line(proc.stderr)


def test_report_replaces_an_existing_file_only_with_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    out.write_text("yesterday")
    code, _, err = run(capsys, "report", "--out", str(out))
    assert code == 2 and "--force" in err
    assert out.read_text() == "yesterday"
    code, text, _ = run(capsys, "report", "--out", str(out), "--force")
    assert code == 0 and str(out) in text
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_network_export_refuses_to_overwrite_a_users_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("nodes.csv", "README.md", "buses.csv"):
        (tmp_path / name).write_text("the user's own")
    for fmt in ("csv", "pypsa"):
        code, _, err = run(capsys, "network", "export", "-f", fmt, "--out", str(tmp_path))
        assert code == 2 and "not empty; pass --force" in err
    assert all(
        (tmp_path / n).read_text() == "the user's own"
        for n in ("nodes.csv", "README.md", "buses.csv")
    )
    code, _, _ = run(capsys, "network", "export", "-f", "csv", "--out", str(tmp_path), "--force")
    assert code == 0
    assert (tmp_path / "README.md").read_text() == "the user's own"  # csv writes no README


# -- standard output (items 10 and 16) ---------------------------------------------------------
@pytest.mark.parametrize("args", [("plan", "--json"), ("plan",), ("scenario", "list"), ("--help",)])
def test_full_standard_output_exits_1_with_one_line(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-c", MAIN, *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 1
    assert proc.stderr == "error: cannot write to standard output: No space left on device\n"


def test_closed_standard_output_exits_1_with_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", MAIN, "plan", "--csv"],
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.close(1),
    )
    assert proc.returncode == 1
    assert "cannot write to standard output" in proc.stderr
    _one_clean_line(proc.stderr)


@pytest.mark.parametrize("args", [("plan",), ("plan", "--json"), ("network", "show")])
def test_broken_pipe_stops_quietly_like_unix_tools(args: tuple[str, ...]) -> None:
    """`crudeflow plan | head -1`: the reader leaves; no message, no 'bad data' exit 1."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write
    try:
        proc = subprocess.run(
            [sys.executable, "-c", MAIN, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == -signal.SIGPIPE  # the shell shows 141, as for `yes | head -1`
    assert proc.stderr == ""


# -- exit codes, version, busy port, help (item 16) -------------------------------------------
def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import crudeflow

    code, out, _ = run(capsys, "--version")
    assert code == 0 and out == f"crudeflow {crudeflow.__version__}\n"


@pytest.mark.parametrize("cmd", ["plan", "bypass"])
def test_unknown_country_exits_2_in_plan_and_bypass_alike(
    capsys: pytest.CaptureFixture[str], cmd: str
) -> None:
    code, _, err = run(capsys, cmd, "--avoid", "XX")
    assert code == 2 and "ISO" in err and "Traceback" not in err


def test_serve_on_a_busy_port_exits_1_before_the_banner() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = cli("serve", "--port", str(port))
    assert proc.returncode == 1
    assert "serving" not in proc.stderr
    assert f"127.0.0.1:{port}" in proc.stderr and "already in use" in proc.stderr
    _one_clean_line(proc.stderr)


@pytest.mark.parametrize("args", [("--help",), ("plan", "--help"), ("run", "--help")])
def test_help_explains_netback_and_for_at_least(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, out, _ = run(capsys, *args)
    text = " ".join(out.replace("│", " ").split())
    assert code == 0
    assert "Netback: what exported crude earns after transport" in text
    assert "for at least N more Mt/yr" in text


def test_a_terminal_that_cannot_show_dashes_gets_no_traceback() -> None:
    """PYTHONIOENCODING=ascii (or a Latin-1 locale): "—" and "→" print as "?"."""
    proc = subprocess.run(
        [sys.executable, "-c", MAIN, "bypass", "--avoid", "RU"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "avoiding RU" in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("plan", "--no-such-option"), "No such option: --no-such-option"),
        (("plan", "--year", "abc"), "Invalid value for '--year'"),
        (("bypass",), "Missing option '--avoid'"),
        (("nosuch",), "No such command 'nosuch'"),
        (("report", "--out", ""), "an empty path"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: tuple[str, ...], needle: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and needle in proc.stderr
    assert "--help" in proc.stderr  # where to look next
    _one_clean_line(proc.stderr)


def test_json_and_csv_together_is_still_exit_2() -> None:
    proc = cli("plan", "--json", "--csv")
    assert proc.returncode == 2 and "choose one" in proc.stderr
