"""How long the first-pass audit report takes on a large table of decisions.

Usage: ``python benchmarks/audit.py [--rows N] [--seed S]`` (default: a million people of the
``risk_assessment`` generator). Runs the command line a unit would run,
``python -m rail.audit report``, on a CSV and on a Parquet copy of the table, each in a fresh
process, and prints its wall time and peak memory. Groups: ``group``, ``sex`` and
``district`` (8 districts), so the intersection has 32 cells. This script measures; it does
not judge.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rail import datasets

_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mib": usage.ru_maxrss / 1024, "rc": result.returncode,
                  "err": result.stderr[-2000:]}))
"""


def measure(table: Path, out: Path) -> dict:
    """Run the audit command line on ``table`` in a fresh process.

    Returns wall and CPU seconds (CPU time is steadier on a shared machine) and peak MiB.
    """
    command = [sys.executable, "-m", "rail.audit", "report", str(table),
               "--label", "rearrest_2y", "--score", "risk_score", "--threshold", "5",
               "--group", "group", "--group", "sex", "--group", "district", "--out", str(out)]
    result = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        frame = datasets.generate("risk_assessment", rows=args.rows, seed=args.seed)
        print(f"generated {len(frame):,} rows in {time.perf_counter() - start:.1f} s")
        for suffix in (".csv", ".parquet"):
            table = datasets.write(frame, Path(folder) / f"decisions{suffix}")
            out = Path(folder) / "report.html"
            figures = measure(table, out)
            if figures["rc"] != 0:
                print(figures["err"], file=sys.stderr)
                return 1
            size = table.stat().st_size / 2**20
            print(f"audit of {len(frame):,} rows from {suffix[1:]} ({size:.0f} MiB): "
                  f"{figures['wall']:.1f} s wall ({figures['cpu']:.1f} s CPU), "
                  f"peak {figures['peak_mib']:.0f} MiB; "
                  f"report {out.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
