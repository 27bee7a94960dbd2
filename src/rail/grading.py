"""Assertion helpers for the assignments' tests.

They fail with a message a trainee can act on (what was checked, what was expected, what was
found), and compare floating-point results with a stated tolerance rather than ``==``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

DEFAULT_ABS_TOL = 1e-9
"""Default absolute tolerance: room for floating-point rounding, nothing more."""


def assert_close(actual: object, expected: float, *, what: str,
                 abs_tol: float = DEFAULT_ABS_TOL) -> None:
    """Assert that ``actual`` is a number within ``abs_tol`` of ``expected``.

    ``what`` names the quantity in the failure message, e.g. ``"false-alert share"``.
    """
    if isinstance(actual, bool | np.bool_ | str | bytes) or not hasattr(actual, "__float__"):
        raise AssertionError(f"{what}: expected a number, got {type(actual).__name__} {actual!r}")
    if not math.isclose(float(actual), expected, rel_tol=0.0, abs_tol=abs_tol):
        raise AssertionError(
            f"{what}: expected {expected:.6g} (within {abs_tol:g}), got {float(actual):.6g}"
        )


def assert_series_close(actual: object, expected: pd.Series, *, what: str,
                        abs_tol: float = DEFAULT_ABS_TOL) -> None:
    """Assert that ``actual`` is a Series with the same labels as ``expected`` and close values.

    Label order does not matter; missing or extra labels are reported by name.
    """
    if not isinstance(actual, pd.Series):
        raise AssertionError(f"{what}: expected a pandas Series, got {type(actual).__name__}")
    missing = [k for k in expected.index if k not in actual.index]
    extra = [k for k in actual.index if k not in expected.index]
    if missing or extra:
        raise AssertionError(f"{what}: labels differ; missing {missing}, unexpected {extra}")
    for key, value in expected.items():
        assert_close(actual[key], float(value), what=f"{what} [{key}]", abs_tol=abs_tol)


def assert_choice(answer: object, options: Iterable[str], *, what: str) -> None:
    """Assert that ``answer`` is one of ``options`` (a format check, not a correctness check)."""
    options = list(options)
    if answer not in options:
        raise AssertionError(f"{what}: answer with one of {options}, got {answer!r}")
