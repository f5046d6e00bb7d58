"""dags/pipelines.yml is checked when read: unknown keys, pools, assets and if_missing values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from yiwang.orchestrate.config import ConfigError, load_config
from yiwang.orchestrate.local_run import order

ROOT = Path(__file__).resolve().parents[3]


def test_the_checked_in_configuration_loads():
    config = load_config()
    assert sorted(config.platforms()) == sorted(p.parent.name for p in (ROOT / "connectors").glob("*/tables.yml"))
    assert config.pools["yiwang_warehouse_writer"]["slots"] == 1
    assert "yiwang.orchestrate.errors.TransientError" in config.transient_errors
    for platform in config.platforms():
        assert config.dag(f"yiwang_extract_{platform}").params["accept_short"]["default"] == []
    # producers before the DAGs their assets trigger
    ids = order(config)
    assert ids.index("yiwang_warehouse") > max(ids.index(f"yiwang_extract_{p}") for p in config.platforms())
    assert ids[-1] == "yiwang_sharing"


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load((ROOT / "dags" / "pipelines.yml").read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "pipelines.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["dags"]["warehouse"]["tasks"][0].update(pool="nope"), "not declared under pools"),
        (lambda r: r["dags"]["warehouse"]["tasks"][2].update(emits="nope"), "unknown asset"),
        (lambda r: r["dags"]["sharing"].update(schedule={"assets_any": "nope"}), "unknown asset"),
        (lambda r: r["dags"]["extract"]["tasks"][0].update(if_missing="maybe"), "if_missing"),
        (lambda r: r["dags"]["extract"]["tasks"][0].update(retry=3), "unknown keys ['retry']"),
        (lambda r: r["dags"]["extract"]["tasks"][0].pop("stage"), "`stage` is required"),
        (lambda r: r["defaults"].update(password="x"), "unknown keys ['password']"),
        (lambda r: r["dags"]["extract"]["params"]["accept_short"].pop("default"), "needs a `default`"),
        (lambda r: r["dags"]["extract"]["params"]["accept_short"].update(secret=1), "unknown keys ['secret']"),
        (lambda r: r["dags"]["warehouse"].update(params=["x"]), "a mapping of param name"),
    ],
)
def test_bad_configuration_is_refused_with_the_field_named(tmp_path, mutate, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(_write(tmp_path, mutate))


def test_asset_cycle_is_refused(tmp_path):
    def cycle(raw):
        raw["dags"]["warehouse"]["schedule"] = {"assets_any": "published"}

    with pytest.raises(ValueError, match="cycle"):
        order(load_config(_write(tmp_path, cycle)))
