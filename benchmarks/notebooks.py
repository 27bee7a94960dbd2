"""Run time and peak memory of every course notebook, each in a fresh kernel on one core.

Usage: ``python benchmarks/notebooks.py [NOTEBOOK ...]`` (default: every lesson and solution).
Prints one row per notebook. The budget the course sets itself is under a minute and well
under 1 GB per notebook, the room a trainee has on Binder or a shared hub; this script
measures, it does not judge.

Peak memory is the largest resident set of the processes the run waited for (the kernel is
the largest), read from ``getrusage(RUSAGE_CHILDREN)`` in a fresh wrapper process per notebook.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "peak_mib": peak_kib / 1024, "rc": result.returncode,
                  "err": result.stderr[-2000:]}))
"""


def measure(notebook: Path) -> dict:
    """Execute ``notebook`` pinned to one core; return wall seconds, peak MiB, exit code."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                   "--execute", "--output-dir", out, str(notebook)]
        pin = ["taskset", "--cpu-list", "0"] if _has_taskset() else []
        wrapper = [*pin, sys.executable, "-c", _MEASURE, *command]
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        done = subprocess.run(wrapper, capture_output=True, text=True, check=True, env=env,
                              cwd=notebook.parent)
        return json.loads(done.stdout)


def _has_taskset() -> bool:
    return subprocess.run(["sh", "-c", "command -v taskset"], capture_output=True).returncode == 0


def main(argv: list[str]) -> int:
    notebooks = [Path(a).resolve() for a in argv] or sorted(
        [*ROOT.glob("modules/*/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb")]
    )
    print(f"{'notebook':55} {'wall (s)':>9} {'peak (MiB)':>11}")
    failed = 0
    for notebook in notebooks:
        result = measure(notebook)
        name = str(notebook.relative_to(ROOT))
        status = "" if result["rc"] == 0 else "  FAILED: " + result["err"].splitlines()[-1]
        failed += result["rc"] != 0
        print(f"{name:55} {result['wall']:9.1f} {result['peak_mib']:11.0f}{status}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
