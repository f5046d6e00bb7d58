"""`yiwang simulate`: a seeded simulator of one city's four legacy platforms.

Public surface: `simulate()` (also `yiwang simulate`), `SimulationResult`, `SCALES`, and the
typer app `cli` that yiwang.cli mounts.
"""

from yiwang.simulate.command import cli
from yiwang.simulate.run import DEFAULT_SEED, SCALES, SimulationError, SimulationResult, simulate

__all__ = ["DEFAULT_SEED", "SCALES", "SimulationError", "SimulationResult", "cli", "simulate"]
