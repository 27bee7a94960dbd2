"""Helpers for auditing a risk score by group: calibration tables and plots, group colours.

Calibration *within groups* asks whether a score means the same thing in every group: among
the people who got the same score, is the observed rate of the outcome the same whatever their
group? (Kleinberg, Mullainathan and Raghavan, 2017, "Inherent trade-offs in the fair
determination of risk scores", call this condition "calibration within groups".) The table
gives, for every group and score, the number of people, the observed rate and a 95 % Wilson
interval, so that a reader can see where a rate rests on few people.

The error rates of a yes/no decision (false positive rate, false negative rate, positive
predictive value) are deliberately not here: the lessons compute them in the open, and the
assignments ask trainees to write them.

>>> from rail import datasets, fairness
>>> people = datasets.load("risk_assessment")
>>> table = fairness.calibration_by_group(people, score="risk_score", outcome="rearrest_2y",
...                                       group="group")
>>> ax = fairness.plot_calibration_by_group(table, title="Re-arrest by score",
...                                         xlabel="Risk score (decile 1-10)",
...                                         ylabel="Share re-arrested within 2 years (0-1)")
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from rail.plotting import PALETTE, label

Z_95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95 % interval."""

CALIBRATION_COLUMNS = ["people", "outcomes", "observed_rate", "low", "high"]
"""Columns of :func:`calibration_by_group`'s table."""


def group_colours(groups: Iterable[object]) -> dict[str, str]:
    """Map each group (as text, in the order given) to a colour of the course palette.

    The same groups always get the same colours in the same order, so that figures of one
    module agree: with groups ``["A", "B"]``, A is blue and B is orange.

    Raises
    ------
    ValueError
        If there are no groups, a group is repeated, or there are more groups than colours.
    """
    names = [str(g) for g in groups]
    if not names:
        raise ValueError("group_colours needs at least one group")
    if len(set(names)) != len(names):
        raise ValueError(f"groups must be distinct, got {names}")
    if len(names) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} groups can be told apart, got {len(names)}")
    return dict(zip(names, PALETTE, strict=False))


def wilson_interval(successes: np.ndarray | pd.Series | int,
                    trials: np.ndarray | pd.Series | int,
                    z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval for a proportion (Wilson, 1927).

    Unlike the textbook "estimate plus or minus two standard errors", it stays between 0 and
    1 and behaves sensibly for small counts and for rates near 0 or 1.

    Parameters
    ----------
    successes, trials:
        Counts, scalars or arrays of the same shape; ``0 <= successes <= trials`` and
        ``trials >= 1``.
    z:
        Normal quantile; the default gives a 95 % interval.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper ends of the interval, as float arrays.

    Raises
    ------
    ValueError
        If a count is negative, ``successes`` exceeds ``trials``, or ``trials`` is 0.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. Journal of the American Statistical Association, 22(158), 209-212.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(n < 1) or np.any(k < 0) or np.any(k > n):
        raise ValueError("wilson_interval needs 0 <= successes <= trials and trials >= 1")
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # The interval holds the rate: rounding once left the lower end of 0 of 37 a hair above 0,
    # and a negative error bar breaks plots. (Ufuncs keep scalars scalar, unlike np.where.)
    low = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
    high = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    return low, high


def calibration_by_group(frame: pd.DataFrame, *, score: str, outcome: str,
                         group: str) -> pd.DataFrame:
    """Observed outcome rate for every group and score value, with its 95 % interval.

    Parameters
    ----------
    frame:
        One row per person.
    score:
        Column of the score (e.g. a decile 1-10). Scores are kept as they are, not binned.
    outcome:
        Column of the observed outcome, 0/1 or False/True (e.g. re-arrest within two years).
    group:
        Column of the group attribute.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``group``, ``score``), sorted, with columns ``people`` (how many people
        have that score in that group), ``outcomes`` (how many of them had the outcome),
        ``observed_rate`` (``outcomes / people``) and ``low``, ``high`` (the 95 % Wilson
        interval of the rate). Combinations nobody has are left out.

    Raises
    ------
    KeyError
        If a column is missing.
    ValueError
        If the frame is empty, a value is missing, or the outcome is not 0/1.
    """
    missing = [c for c in (score, outcome, group) if c not in frame.columns]
    if missing:
        raise KeyError(f"calibration_by_group: no column(s) {missing} in the frame")
    if frame.empty:
        raise ValueError("calibration_by_group needs at least one row")
    used = frame[[group, score, outcome]]
    if used.isna().to_numpy().any():
        raise ValueError("calibration_by_group: missing values in the group, score or outcome")
    values = used[outcome]
    if values.dtype == bool:
        values = values.astype(int)
    if not values.isin([0, 1]).all():
        raise ValueError(f"calibration_by_group: {outcome!r} must be 0/1 or False/True")

    table = (
        pd.DataFrame({group: used[group], score: used[score], "outcome": values.astype(int)})
        .groupby([group, score], sort=True)["outcome"]
        .agg(people="size", outcomes="sum")
    )
    table["observed_rate"] = table["outcomes"] / table["people"]
    table["low"], table["high"] = wilson_interval(table["outcomes"], table["people"])
    return table[CALIBRATION_COLUMNS]


def plot_calibration_by_group(table: pd.DataFrame, *, title: str, xlabel: str, ylabel: str,
                              colours: dict[str, str] | None = None,
                              ax: Axes | None = None) -> Axes:
    """Draw one line per group: observed rate by score, with 95 % intervals as error bars.

    If the score means the same in every group (calibration within groups), the lines lie on
    top of each other, within their error bars.

    Parameters
    ----------
    table:
        The output of :func:`calibration_by_group`.
    title, xlabel, ylabel:
        Required texts (see :func:`rail.plotting.label`); put units in the axis labels.
    colours:
        Colour per group (as text); defaults to :func:`group_colours` of the table's groups.
    ax:
        Axes to draw on; a new figure is made if omitted.

    Raises
    ------
    ValueError
        If the table lacks the expected columns, or a group has no colour.
    """
    absent = [c for c in CALIBRATION_COLUMNS if c not in table.columns]
    if absent or table.index.nlevels != 2:
        raise ValueError("plot_calibration_by_group needs the table of calibration_by_group")
    groups = list(table.index.get_level_values(0).unique())
    colours = group_colours(groups) if colours is None else colours
    no_colour = [str(g) for g in groups if str(g) not in colours]
    if no_colour:
        raise ValueError(f"no colour for group(s) {no_colour}")
    if ax is None:
        _, ax = plt.subplots()
    for name in groups:
        rows = table.xs(name, level=0)
        x = rows.index.to_numpy(dtype=float)
        y = rows["observed_rate"].to_numpy(dtype=float)
        errors = np.vstack([y - rows["low"].to_numpy(dtype=float),
                            rows["high"].to_numpy(dtype=float) - y])
        ax.errorbar(x, y, yerr=errors, color=colours[str(name)], marker="o", capsize=3,
                    linewidth=1.5, label=f"group {name}")
    ax.set_ylim(0, 1)
    ax.legend()
    return label(ax, title=title, xlabel=xlabel, ylabel=ylabel)
