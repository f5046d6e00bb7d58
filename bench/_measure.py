"""Run a function in a fresh process and measure its wall time and peak memory (max RSS)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys


def in_subprocess(module: str, function: str, **kwargs) -> dict:
    """Call module.function(**kwargs) in a new Python; returns its dict plus seconds and peak_mb."""
    code = (
        "import json, resource, sys, time\n"
        f"from {module} import {function} as f\n"
        "kw = json.loads(sys.argv[1])\n"
        "t = time.perf_counter(); out = f(**kw) or {}; out['seconds'] = time.perf_counter() - t\n"
        "out['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print('\\nRESULT' + json.dumps(out, default=int))\n"  # on its own line: progress bars leave none
    )
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{module}.{function} failed:\n{proc.stderr[-3000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])


def summary(runs: list[dict], key: str) -> dict:
    values = [r[key] for r in runs]
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}
