"""Files a user owns are never overwritten silently, and writes are atomic (issue 8, item 13).

The library layer (:mod:`crudeflow._io`, the network exports, the report) and the CLI's
``--force``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from crudeflow import _io
from crudeflow._io import (
    atomic_folder,
    atomic_write_text,
    check_output_file,
    check_output_folder,
)
from crudeflow.errors import OutputExistsError, OutputPathError
from crudeflow.network import export as export_mod
from crudeflow.network.export import export_network
from crudeflow.network.model import toy_network


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- single files ----------------------------------------------------------------------------
def test_existing_file_is_refused_without_force_and_kept(tmp_path: Path) -> None:
    f = tmp_path / "r.html"
    f.write_text("mine")
    with pytest.raises(OutputExistsError, match="already exists; pass --force"):
        atomic_write_text(f, "new")
    assert f.read_text() == "mine"
    atomic_write_text(f, "new", force=True)
    assert f.read_text() == "new"
    assert _leftovers(tmp_path) == []


def test_failing_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "r.html"
    f.write_text("old report")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_io.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left") as info:
        atomic_write_text(f, "new report", force=True)
    assert info.value.filename == str(f)  # the target, not the temporary file
    assert f.read_text() == "old report"
    assert _leftovers(tmp_path) == []  # no temporary file left behind


def test_interrupted_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "r.html"
    f.write_text("old report")

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_io.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(f, "new report", force=True)
    assert f.read_text() == "old report"
    assert _leftovers(tmp_path) == []


def test_replaced_file_keeps_its_permissions_and_new_files_follow_umask(tmp_path: Path) -> None:
    f = tmp_path / "r.html"
    f.write_text("old")
    f.chmod(0o640)
    atomic_write_text(f, "new", force=True)
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    g = atomic_write_text(tmp_path / "g.html", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(g.stat().st_mode) == 0o666 & ~mask


def test_symlinked_output_replaces_the_target_not_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.html"
    target.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    atomic_write_text(link, "new", force=True)
    assert link.is_symlink() and target.read_text() == "new"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "empty path"),
        (".", "is a folder"),
        ("/dev/full", "not a regular file"),
        ("/dev/null", "not a regular file"),
    ],
)
def test_paths_that_cannot_take_a_file_are_refused_even_with_force(path: str, reason: str) -> None:
    with pytest.raises(OutputPathError, match=reason):
        check_output_file(path, force=True)


@pytest.mark.parametrize("check", [check_output_file, check_output_folder])
def test_a_file_in_place_of_a_parent_folder_is_a_path_error(
    tmp_path: Path, check: Callable[..., Path]
) -> None:
    # one parent check serves a file and a folder output
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputPathError, match=r"/f is not a folder"):
        check(tmp_path / "f" / "deeper" / "out", force=True)


# -- folders (network export) ----------------------------------------------------------------
def test_export_refuses_a_folder_that_is_not_empty_and_keeps_the_users_files(
    tmp_path: Path,
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    for name in ("nodes.csv", "README.md", "buses.csv"):
        (out / name).write_text(f"user's {name}")
    for fmt in ("csv", "pypsa"):
        with pytest.raises(OutputExistsError, match="not empty; pass --force"):
            export_network(toy_network(), fmt, out)  # type: ignore[call-overload]
    for name in ("nodes.csv", "README.md", "buses.csv"):
        assert (out / name).read_text() == f"user's {name}"


def test_export_force_replaces_its_own_files_and_leaves_others(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "nodes.csv").write_text("old")
    (out / "notes.txt").write_text("keep me")
    export_network(toy_network(), "csv", out, force=True)
    assert (out / "nodes.csv").read_text().startswith("id,name")
    assert (out / "notes.txt").read_text() == "keep me"
    assert _leftovers(tmp_path) == []


def test_export_into_a_new_or_empty_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert len(export_network(toy_network(), "csv", empty)) == 4
    assert (export_network(toy_network(), "pypsa", tmp_path / "a" / "b") / "links.csv").is_file()
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) != 0o700  # not mkdtemp's mode


def test_failing_folder_export_leaves_no_half_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export_mod._write_csv
    calls = []

    def fail_on_third(path: Path, *args: object) -> Path:
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(export_mod, "_write_csv", fail_on_third)
    with pytest.raises(OSError, match="No space left"):
        export_network(toy_network(), "csv", tmp_path / "new")
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "old"
    existing.mkdir()
    (existing / "nodes.csv").write_text("old")
    calls.clear()
    with pytest.raises(OSError, match="No space left"):
        export_network(toy_network(), "csv", existing, force=True)
    assert sorted(p.name for p in existing.iterdir()) == ["nodes.csv"]
    assert (existing / "nodes.csv").read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_geojson_export_refuses_an_existing_file(tmp_path: Path) -> None:
    f = tmp_path / "net.geojson"
    f.write_text("mine")
    with pytest.raises(OutputExistsError):
        export_network(toy_network(), "geojson", f)
    assert f.read_text() == "mine"
    export_network(toy_network(), "geojson", f, force=True)
    assert f.read_text().startswith('{"type": "FeatureCollection"')
    with pytest.raises(OutputPathError, match=r"not a folder or a \.geojson file"):
        export_network(toy_network(), "geojson", "/dev/full", force=True)


def test_atomic_folder_error_inside_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "out") as work:
        (work / "a.csv").write_text("x")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_report_refuses_an_existing_file_before_solving(tmp_path: Path) -> None:
    from crudeflow.report import write_default_report

    f = tmp_path / "report.html"
    f.write_text("yesterday's briefing")
    with pytest.raises(OutputExistsError):
        write_default_report(f)
    assert f.read_text() == "yesterday's briefing"


def test_makefile_run_target_can_run_twice() -> None:
    """`make run` writes report.html each time: it must pass --force (or a fresh path)."""
    makefile = (Path(__file__).parents[2] / "Makefile").read_text(encoding="utf-8")
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "crudeflow run --report" in run_recipe and "--force" in run_recipe
