"""Locations in the repository that several test modules use."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
"""The bin/ folder of the environment running the tests (nbgrader, jupyter live there)."""

MODULE_IDS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
"""Every module that has a graded assignment."""
