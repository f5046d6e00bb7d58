"""`yiwang simulate`: a seeded simulator of one city's four legacy platforms.

Public surface: `simulate()` (also `yiwang simulate`), `SimulationResult`, `SCALES`, and the
typer app `cli` that yiwang.cli mounts.
"""

from yiwang.lazy import lazy_exports

__all__ = ["DEFAULT_SEED", "SCALES", "SimulationError", "SimulationResult", "cli", "simulate"]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {".command": ["cli"], ".write_day": ["DEFAULT_SEED", "SCALES", "SimulationError", "SimulationResult", "simulate"]},
)
