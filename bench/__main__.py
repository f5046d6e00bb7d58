"""`python -m bench` (what `make bench` runs): every benchmark at city scale."""

from __future__ import annotations

import runpy
import sys

for module in (
    "bench.simulate",
    "bench.extract",
    "bench.warehouse",
    "bench.incremental",
    "bench.resolve",
    "bench.orchestration",
    "bench.gates",
    "bench.link_quality",
):
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__")
