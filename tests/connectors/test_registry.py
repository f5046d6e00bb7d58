"""The registry refuses configurations that would lose rows or leak secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors import RegistryError, load_registry, select_tables
from connectors.registry import load_platform

BASE = """
platform: hotline
connections:
  db: {kind: sql, credentials: {env: YIWANG_HOTLINE_URL}, default: "sqlite:///x.sqlite"}
tables:
"""


def platform_file(tmp_path: Path, tables: str, connections: str | None = None) -> Path:
    text = BASE + tables
    if connections:
        text = text.replace("credentials: {env: YIWANG_HOTLINE_URL}", connections)
    path = tmp_path / "hotline" / "tables.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ("  t_gd_lzjl: {mode: sometimes}", "mode 'sometimes'"),
        ("  t_gd_lzjl: {mode: incremental, columns: [a]}", "unknown fields"),
        ("  nope: {mode: snapshot}", "no contract"),
        ("  t_gd_lzjl: {mode: incremental, delete_detection: diff}", "needs mode snapshot"),
        ("  t_gd_lzjl: {mode: incremental, lookback: soon}", "lookback"),
        ("  t_gd_lzjl: {mode: file_drop}", "file_drop"),
        ("  t_gd_lzjl: {mode: snapshot, drift: loose}", "drift"),
        ("  t_gd_lzjl: {mode: snapshot, min_row_ratio: 1.5}", "min_row_ratio must be a number from 0 to 1"),
        ("  t_gd_lzjl: {mode: snapshot, min_row_ratio: half}", "min_row_ratio must be a number from 0 to 1"),
        ("  t_gd_lzjl: {mode: snapshot, on_duplicate_key: first}", "on_duplicate_key 'first'"),
        ("  t_gd_lzjl: {mode: snapshot, on_duplicate_key: latest_by nope}", "on_duplicate_key 'latest_by nope'"),
    ],
)
def test_bad_table_entries_are_refused(tmp_path: Path, tables: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        load_platform(platform_file(tmp_path, tables))


def test_secrets_cannot_be_written_into_the_registry(tmp_path: Path) -> None:
    path = platform_file(tmp_path, "  t_gd_lzjl: {mode: snapshot}", "credentials: {password: hunter2}")
    with pytest.raises(ValueError, match="never go into the registry"):
        load_platform(path)


def test_a_duplicate_key_rule_names_a_contract_column(tmp_path: Path) -> None:
    path = platform_file(tmp_path, "  t_gd_lzjl: {mode: snapshot, on_duplicate_key: latest_by czsj}")
    cfg = load_platform(path).tables["t_gd_lzjl"]
    assert (cfg.on_duplicate_key, cfg.latest_by) == ("latest_by czsj", "czsj")
    assert load_platform(platform_file(tmp_path, "  t_gd_lzjl: {mode: snapshot}")).tables["t_gd_lzjl"].latest_by is None


def test_select_tables() -> None:
    registry = load_registry()
    assert len(select_tables(registry)) == 13
    assert [t.name for t in select_tables(registry, "hotline.t_gd_lzjl")] == ["hotline.t_gd_lzjl"]
    with pytest.raises(KeyError):
        select_tables(registry, "nowhere")
