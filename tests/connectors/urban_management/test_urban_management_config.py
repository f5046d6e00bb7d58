"""The urban_management connector config loads and every table resolves to its contract in schemas/sources."""

from __future__ import annotations

from connectors import load_registry
from connectors.pipeline import _expand
from yiwang.contracts import source_platforms

PLATFORM = "urban_management"


def test_config_loads_and_covers_every_contract_table() -> None:
    platform = load_registry()[PLATFORM]
    contracts = source_platforms()[PLATFORM].tables
    assert set(platform.tables) == set(contracts)
    for name, cfg in platform.tables.items():
        assert cfg.contract is contracts[name]
        assert cfg.contract.primary_key
        if cfg.mode == "incremental":
            assert cfg.contract.cursor and cfg.lookback is not None
        if cfg.contract.delete_style == "hard":
            assert cfg.mode in ("snapshot", "file_drop") and cfg.delete_detection == "diff"


def test_credentials_are_references_with_working_defaults() -> None:
    for conn in load_registry()[PLATFORM].connections.values():
        assert conn.credentials.env and conn.credentials.env.startswith("YIWANG_")
        assert conn.default and "password" not in conn.default
        assert "{sources}" not in _expand(conn.default)
