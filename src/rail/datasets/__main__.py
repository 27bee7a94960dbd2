"""Command line for researchers: ``python -m rail.datasets``.

Examples::

    python -m rail.datasets list
    python -m rail.datasets generate anpr_alerts --rows 1000000 --seed 3 --out alerts.parquet
    python -m rail.datasets generate anpr_alerts --effect false_alert_mobile=0.5 --out a.csv
    python -m rail.datasets rebuild datasets/
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from rail.datasets._registry import DatasetError, generate, names, rebuild, spec, write


def _parse_effect(text: str) -> tuple[str, Any]:
    """Parse ``name=value``; the value is read as JSON (numbers, lists) or else kept as text."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rail.datasets", description="Generate the RAIL course's synthetic datasets."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="list the datasets, their defaults and effect parameters")

    gen = commands.add_parser("generate", help="generate one dataset to a CSV or Parquet file")
    gen.add_argument("name", help="dataset name (see `list`)")
    gen.add_argument("--rows", type=int, help="size, in the dataset's unit (see `list`)")
    gen.add_argument("--seed", type=int, help="random seed (default: as committed)")
    gen.add_argument(
        "--effect",
        type=_parse_effect,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set an effect parameter (repeatable); lists as JSON: mobile_share=[0.5,0.5,0.5,0.5]",
    )
    gen.add_argument("--out", required=True, help="output file; .csv or .parquet")

    reb = commands.add_parser("rebuild", help="regenerate every committed CSV into a folder")
    reb.add_argument("folder", help="destination folder, normally the repository's datasets/")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            for name in names():
                dataset = spec(name)
                effects = ", ".join(f"{k}={v!r}" for k, v in dataset.effects.items())
                print(f"{name}: {dataset.summary}")
                print(f"    rows={dataset.rows} ({dataset.unit}) seed={dataset.seed}")
                print(f"    effects: {effects}")
        elif args.command == "generate":
            frame = generate(args.name, rows=args.rows, seed=args.seed, **dict(args.effect))
            path = write(frame, args.out)
            print(f"wrote {len(frame)} rows of {args.name} to {path}")
        else:
            for path in rebuild(args.folder):
                print(f"rebuilt {path}")
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
