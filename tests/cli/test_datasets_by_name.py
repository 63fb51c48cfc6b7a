"""Built-in datasets by name (issue 12 item 2): ``--dataset NAME`` wherever a folder is
accepted, ``crudeflow datasets`` lists them, a path still works, an unknown name is a usage
error listing the names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crudeflow.network.load import (
    UnknownDatasetError,
    builtin_dataset_path,
    builtin_datasets,
    default_dataset_path,
    load_dataset,
    resolve_dataset,
)
from tests.cli_subprocess import crudeflow_cli as cli

MINI = Path(__file__).parents[1] / "fixtures" / "mini"


def test_builtin_names_include_the_default() -> None:
    assert "kazakhstan" in builtin_datasets()
    assert builtin_dataset_path("kazakhstan") == default_dataset_path()


def test_library_loads_a_builtin_dataset_by_name() -> None:
    assert load_dataset("kazakhstan").meta.name == "kazakhstan"


def test_unknown_name_lists_the_builtin_names_with_did_you_mean() -> None:
    with pytest.raises(UnknownDatasetError, match=r"built-in dataset \(.*kazakhstan.*did you mean"):
        resolve_dataset("kazakstan")


def test_a_path_still_works_and_wins_when_written_as_a_path(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "kazakhstan")
    assert resolve_dataset(str(MINI)) == MINI
    # a bare built-in name is the built-in dataset; ./NAME is the local folder
    plan_builtin = cli("plan", "--dataset", "kazakhstan", "--json", cwd=tmp_path)
    plan_local = cli("plan", "--dataset", "./kazakhstan", "--json", cwd=tmp_path)
    assert plan_builtin.returncode == plan_local.returncode == 0, plan_local.stderr
    assert json.loads(plan_builtin.stdout)["dataset"] == "kazakhstan"
    assert json.loads(plan_local.stdout)["dataset"] == "mini"


def test_dataset_name_gives_the_default_plan() -> None:
    by_name = cli("plan", "--dataset", "kazakhstan", "--json")
    default = cli("plan", "--json")
    assert by_name.returncode == 0
    assert by_name.stdout == default.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--dataset", "atlantis"),
        ("bypass", "--avoid", "RU", "--dataset", "atlantis"),
        ("scenario", "list", "--dataset", "atlantis"),
        ("report", "--dataset", "atlantis", "--out", "r.html"),
        ("serve", "--dataset", "atlantis"),
        ("network", "validate", "atlantis"),
        ("risk", "--dataset", "atlantis", "--draws", "1"),
    ],
    ids=lambda a: a[0] if isinstance(a, tuple) else str(a),
)
def test_unknown_dataset_name_is_a_usage_error_everywhere(args: tuple[str, ...]) -> None:
    res = cli(*args)
    assert res.returncode == 2, res.stderr
    assert "unknown dataset 'atlantis'" in res.stderr
    assert "kazakhstan" in res.stderr
    assert "Traceback" not in res.stderr


def test_datasets_command_lists_title_years_and_size() -> None:
    res = cli("datasets")
    assert res.returncode == 0, res.stderr
    assert "kazakhstan (default)" in res.stdout
    assert "Kazakhstan crude exports" in res.stdout
    rows = json.loads(cli("datasets", "--json").stdout)
    kz = next(r for r in rows if r["name"] == "kazakhstan")
    net = load_dataset()
    assert kz["years"] == list(net.years)
    assert (kz["nodes"], kz["routes"]) == (len(net.nodes), len(net.routes))
    assert kz["default"] and kz["problems"] == 0
    assert [r["name"] for r in rows] == list(builtin_datasets())


def test_network_validate_takes_a_name() -> None:
    res = cli("network", "validate", "kazakhstan")
    assert res.returncode == 0 and "no problems found" in res.stdout


def test_web_app_loads_a_builtin_dataset_by_name() -> None:
    import asyncio

    import httpx

    from crudeflow.web.app import create_app

    app = create_app(dataset=resolve_dataset("kazakhstan"))
    assert app.state.network.meta.name == "kazakhstan"

    async def get() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return (await c.get("/api/network")).status_code

    assert asyncio.run(get()) == 200
