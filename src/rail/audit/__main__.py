"""Command line: ``python -m rail.audit report DATA --label COL --score COL --group COL``.

Examples::

    python -m rail.audit report decisions.csv --label outcome --score flagged \\
        --group district --group sex --out report.html
    python -m rail.audit report scores.parquet --label rearrest_2y --score risk_score \\
        --threshold 5 --group group --tolerance 0.03 --min-group-size 50 --out report.html

Exit codes: 0 the report was written (whatever it found); 2 the input or the options cannot
give an honest report (the message says what to fix).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rail.audit._disparities import INCONCLUSIVE, TOO_FEW
from rail.audit._inputs import AuditInputError
from rail.audit._report import (
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_RATIO_TOLERANCE,
    DEFAULT_SCORE_BANDS,
    DEFAULT_TOLERANCE,
    audit_report,
)

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rail.audit",
        description="A first-pass fairness and performance audit of a table of decisions.")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report", help="write the HTML audit report of a CSV or Parquet table of decisions")
    report.add_argument("data", help="the table: one row per decision, .csv or .parquet")
    report.add_argument("--label", required=True,
                        help="column of the observed outcome, 0/1 (1 = it happened)")
    report.add_argument("--score", required=True,
                        help="column of the system's output: a 0/1 decision or a score")
    report.add_argument("--group", required=True, action="append", metavar="COL",
                        help="a group column (repeat for more; their intersection is audited)")
    report.add_argument("--threshold", type=float,
                        help="flag a case when score >= THRESHOLD (needed unless score is 0/1)")
    report.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help="largest acceptable difference in a rate between groups "
                             f"(default {DEFAULT_TOLERANCE}: 5 percentage points)")
    report.add_argument("--ratio-tolerance", type=float, default=DEFAULT_RATIO_TOLERANCE,
                        help="largest acceptable ratio of a rate between groups, and its "
                             f"inverse the smallest (default {DEFAULT_RATIO_TOLERANCE}: "
                             "0.8 to 1.25)")
    report.add_argument("--min-group-size", type=int, default=DEFAULT_MIN_GROUP_SIZE,
                        help="rates over fewer people are flagged, not judged "
                             f"(default {DEFAULT_MIN_GROUP_SIZE})")
    report.add_argument("--score-bands", type=int, default=DEFAULT_SCORE_BANDS,
                        help="calibration bands for a score with many values "
                             f"(default {DEFAULT_SCORE_BANDS})")
    report.add_argument("--out", required=True, help="the HTML report to write")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    try:
        report = audit_report(args.data, label=args.label, score=args.score, groups=args.group,
                              threshold=args.threshold, tolerance=args.tolerance,
                              ratio_tolerance=args.ratio_tolerance,
                              min_group_size=args.min_group_size, score_bands=args.score_bands,
                              out=args.out)
    except AuditInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    verdicts = report.disparities["verdict"].value_counts()
    print(f"wrote {args.out}: {len(report.findings)} disparit(ies) beyond the tolerances "
          f"(difference ±{args.tolerance:g}, ratio {1 / args.ratio_tolerance:.3g} to "
          f"{args.ratio_tolerance:g}), {int(verdicts.get(INCONCLUSIVE, 0))} inconclusive, "
          f"{int(verdicts.get(TOO_FEW, 0))} not judged (too few people); "
          f"{len(report.calibration_findings)} calibration band(s) beyond the tolerances")
    for note in report.notes:
        print(f"note: {note}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
