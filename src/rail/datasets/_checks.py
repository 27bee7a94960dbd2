"""Checks of generator parameters, with the messages the registry passes on to the user.

Each returns the value as a float (or int) when it is acceptable and raises ``ValueError``
naming the parameter otherwise; NaN fails every check.
"""

from __future__ import annotations

import math

import numpy as np


def probability(name: str, value: float) -> float:
    """A probability: 0 <= value <= 1."""
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")
    return value


def non_negative(name: str, value: float) -> float:
    """A finite number >= 0."""
    value = float(value)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return value


def positive(name: str, value: float) -> float:
    """A finite number > 0."""
    value = float(value)
    if not 0.0 < value < math.inf:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return value


def finite(name: str, value: float) -> float:
    """Any finite number."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def positive_whole(name: str, value: int) -> int:
    """A whole number >= 1 (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)
