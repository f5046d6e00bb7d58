"""What a run prints: one place that quiets the libraries' start-up and training notes.

`quiet_libraries()` keeps third-party loggers at ERROR and ignores Python warnings raised from
third-party modules, so a normal run shows only our own warnings (loggers yiwang.*, quality.*,
connectors.*, dags.*) and every error. The task logs in the workspace keep what Airflow writes.
Set YIWANG_VERBOSE=1 to see the libraries' notes again.
"""

from __future__ import annotations

import logging
import os
import warnings

# Libraries whose warnings are notes for their developers, not for a city's data team: Splink's
# EM training, Airflow's start-up notes about optional providers, GX, dbt.
THIRD_PARTY = (
    "splink",
    "airflow.sdk._shared.configuration",
    "airflow.configuration",
    "airflow.providers_manager",
    "openlineage",
    "great_expectations",
    "dbt",
    "py.warnings",
)
OWN_MODULES = r"(yiwang|quality|connectors|dags)(\.|$)"
VERBOSE_ENV = "YIWANG_VERBOSE"


def quiet_libraries() -> None:
    """Third-party loggers to ERROR, third-party Python warnings ignored (ours still shown)."""
    if os.environ.get(VERBOSE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=OWN_MODULES)
