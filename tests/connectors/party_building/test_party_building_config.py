"""The party_building connector config loads and every table resolves to its contract in schemas/sources."""

from __future__ import annotations

from tests_connectors_helpers import check_platform_config, check_platform_credentials

PLATFORM = "party_building"


def test_config_loads_and_covers_every_contract_table() -> None:
    check_platform_config(PLATFORM)


def test_credentials_are_references_with_working_defaults() -> None:
    check_platform_credentials(PLATFORM)
