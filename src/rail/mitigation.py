"""Comparing mitigated models honestly: seeded bootstrap intervals and the Pareto front.

A table of options (a baseline and its "fair" versions) is read by its differences, and on a
finite cohort many of them are noise. :func:`bootstrap_metrics` resamples the people of one
cohort (with replacement, the same resamples for every option, so that differences between
options are paired) and recomputes, for every option, its accuracy and its equalized odds
difference (fairlearn's definition: the larger of the spreads between groups in true positive
rate and in false positive rate). :func:`intervals` and :func:`difference_interval` read
percentile intervals off the resamples (Efron and Tibshirani, 1993, *An Introduction to the
Bootstrap*). :func:`pareto_front` keeps the options that no other option beats on both
accuracy and disparity at once.

>>> resamples = bootstrap_metrics(y, {"baseline": flags, "fixed": fixed_flags}, groups,
...                               resamples=200, seed=1)
>>> intervals(resamples)            # estimate, low and high of each metric, by option
>>> difference_interval(resamples, "accuracy", "fixed", "baseline")
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

METRICS = ("accuracy", "equalized odds difference")
"""The metrics :func:`bootstrap_metrics` computes for every option."""


def _as_binary(values: ArrayLike, what: str, length: int | None = None) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {array.shape}")
    if length is not None and len(array) != length:
        raise ValueError(f"{what} has {len(array)} values, expected {length} (one per person)")
    if not np.isin(array, (0, 1)).all():
        raise ValueError(f"{what} must contain only 0 and 1, got {np.unique(array)[:5]}")
    return array.astype(float)


def _metrics(counts: np.ndarray, y: np.ndarray, flags: np.ndarray,
             members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and equalized odds difference for each row of ``counts`` (people's weights)."""
    total = counts.sum(axis=1)
    accuracy = counts @ (flags == y).astype(float) / total
    true_positive, false_positive = [], []
    for member in members:  # one 0/1 column per group
        positives, negatives = counts @ (member * y), counts @ (member * (1 - y))
        with np.errstate(invalid="ignore", divide="ignore"):
            true_positive.append(counts @ (member * y * flags) / positives)
            false_positive.append(counts @ (member * (1 - y) * flags) / negatives)
    tpr, fpr = np.array(true_positive), np.array(false_positive)
    spread = np.maximum(tpr.max(axis=0) - tpr.min(axis=0), fpr.max(axis=0) - fpr.min(axis=0))
    return accuracy, spread


def bootstrap_metrics(y_true: ArrayLike, decisions: Mapping[str, ArrayLike], groups: ArrayLike,
                      *, resamples: int = 200, seed: int = 0) -> pd.DataFrame:
    """Accuracy and equalized odds difference of every option, on the cohort and on resamples.

    Parameters
    ----------
    y_true:
        The outcome (0/1) of each person.
    decisions:
        The 0/1 decision of each option for each person, by option name.
    groups:
        The group of each person (two or more groups).
    resamples:
        Number of bootstrap resamples (at least 1). The same resampled people are used for
        every option, so that differences between options can be read pairwise.
    seed:
        Seed of the random generator: the same seed gives the same resamples everywhere.

    Returns
    -------
    pandas.DataFrame
        Columns ``(metric, option)``; row ``"estimate"`` holds the values on the cohort itself
        (equal to fairlearn's ``accuracy_score`` and ``equalized_odds_difference``), rows
        ``0 .. resamples-1`` the values on each resample.

    Raises
    ------
    ValueError
        On no options, inputs that are not 0/1 or not one per person, fewer than two groups,
        a group with no positive or no negative outcome, or ``resamples < 1``.
    """
    if not decisions:
        raise ValueError("bootstrap_metrics needs at least one option in decisions")
    if int(resamples) != resamples or resamples < 1:
        raise ValueError(f"resamples must be a whole number of at least 1, got {resamples}")
    y = _as_binary(y_true, "y_true")
    groups = np.asarray(groups)
    if len(groups) != len(y):
        raise ValueError(f"groups has {len(groups)} values, expected {len(y)} (one per person)")
    names = np.unique(groups)
    if len(names) < 2:
        raise ValueError(f"the disparity needs at least two groups, got {list(names)}")
    members = np.array([(groups == name).astype(float) for name in names])
    for name, member in zip(names, members, strict=True):
        if not (member * y).any() or not (member * (1 - y)).any():
            raise ValueError(f"group {name!r} needs people with both outcomes (0 and 1)")

    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(y), size=(int(resamples), len(y)))
    counts = np.vstack([np.ones(len(y)),
                        [np.bincount(pick, minlength=len(y)) for pick in picks]])
    columns = {}
    for option, values in decisions.items():
        flags = _as_binary(values, f"decisions[{option!r}]", len(y))
        accuracy, spread = _metrics(counts, y, flags, members)
        columns[(METRICS[0], option)] = accuracy
        columns[(METRICS[1], option)] = spread
    table = pd.DataFrame(columns, index=["estimate", *range(int(resamples))])
    table.columns = pd.MultiIndex.from_tuples(table.columns, names=["metric", "option"])
    return table


def _bounds(values: pd.Series | pd.DataFrame, level: float):
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    tail = (1 - level) / 2
    return values.quantile(tail), values.quantile(1 - tail)


def intervals(resampled: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Estimate and percentile interval of every metric of every option.

    Returns a table indexed by option with columns ``(metric, "estimate" | "low" | "high")``.
    """
    estimate = resampled.loc["estimate"]
    low, high = _bounds(resampled.drop(index="estimate"), level)
    table = pd.DataFrame({"estimate": estimate, "low": low, "high": high}).unstack("metric")
    return table.swaplevel(axis=1)[list(dict.fromkeys(resampled.columns.get_level_values(0)))]


def difference_interval(resampled: pd.DataFrame, metric: str, first: str, second: str,
                        level: float = 0.95) -> tuple[float, float, float]:
    """``metric`` of option ``first`` minus that of ``second``: (estimate, low, high).

    The interval is paired: both options are measured on the same resampled people, so the
    noise they share cancels. If it contains 0, the data cannot tell the two options apart.
    """
    for option in (first, second):
        if (metric, option) not in resampled.columns:
            raise KeyError(f"no column ({metric!r}, {option!r}) in the resamples")
    difference = resampled[(metric, first)] - resampled[(metric, second)]
    low, high = _bounds(difference.drop(index="estimate"), level)
    return float(difference["estimate"]), float(low), float(high)


def pareto_front(table: pd.DataFrame, higher_is_better: str = "accuracy",
                 lower_is_better: str = "equalized odds difference") -> pd.DataFrame:
    """The rows that no other row beats on both columns at once, sorted along the front.

    A row is beaten if another is at least as good on both columns and strictly better on one.
    """
    missing = [c for c in (higher_is_better, lower_is_better) if c not in table.columns]
    if missing:
        raise KeyError(f"pareto_front: no column {missing} in the table")
    high = table[higher_is_better].to_numpy(dtype=float)
    low = table[lower_is_better].to_numpy(dtype=float)
    beaten = [
        bool((((high >= h) & (low <= lo)) & ((high > h) | (low < lo))).any())
        for h, lo in zip(high, low, strict=True)
    ]
    return table[~np.array(beaten, dtype=bool)].sort_values(lower_is_better)
