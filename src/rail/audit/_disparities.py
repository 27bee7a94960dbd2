"""Disparities between groups, judged against stated tolerances with their intervals.

Each group is compared with a reference group (the largest group of its grouping) on a rate,
twice: by the difference of the two rates, with Newcombe's (1998, method 10) 95 % interval
built from the two Wilson intervals, and by their ratio, with the Katz log interval (Katz et
al., 1978). The ratio matters for rare outcomes: 2.8 % against 0.4 % is a difference of only
2.4 percentage points, but seven times as often. A comparison is judged by its whole
intervals, not by its point estimates alone:

* **beyond tolerance**: the whole interval of the difference lies beyond plus or minus the
  tolerance, or the whole interval of the ratio lies beyond the ratio tolerance (above it or
  below its inverse);
* **within tolerance**: both whole intervals lie within their tolerances;
* **inconclusive**: otherwise: an interval reaches both sides of its tolerance, and more
  data is needed;
* **too few people**: either rate rests on fewer people than the minimum group size, so it
  is not judged at all.

Katz, D., Baptista, J., Azen, S. P., and Pike, M. C. (1978). Obtaining confidence intervals
for the risk ratio in cohort studies. Biometrics, 34(3), 469-474.
Newcombe, R. G. (1998). Interval estimation for the difference between independent
proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873-890.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.audit._inputs import MISSING_GROUP
from rail.fairness import Z_95, wilson_interval

BEYOND = "beyond tolerance"
WITHIN = "within tolerance"
INCONCLUSIVE = "inconclusive"
TOO_FEW = "too few people"
VERDICTS = (BEYOND, INCONCLUSIVE, WITHIN, TOO_FEW)
"""The verdicts, most serious first."""

COMPARED_RATES = ("selection rate", "false positive rate", "false negative rate",
                  "positive predictive value")
"""The rates compared between groups: demographic parity, equalised odds, predictive parity."""

COMPARISON_COLUMNS = ["difference", "low", "high", "ratio", "ratio_low", "ratio_high", "verdict"]
"""Columns of :func:`judge`'s result."""

DISPARITY_COLUMNS = ["grouping", "rate", "group", "reference", "estimate", "reference_estimate",
                     *COMPARISON_COLUMNS]
"""Columns of :func:`compare_rates`'s table."""


def newcombe_interval(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray,
                      n2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score 95 % interval of ``k1/n1 - k2/n2`` (all ``n >= 1``)."""
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    difference = p1 - p2
    low = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def katz_interval(k1: float, n1: float, k2: float, n2: float) -> tuple[float, float, float]:
    """The ratio ``(k1/n1) / (k2/n2)`` and its 95 % Katz log interval (all ``n >= 1``).

    With no events in either group, 0.5 is added to each count and each total, so that the
    ratio and its interval stay finite (and wide).
    """
    if k1 == 0 or k2 == 0:
        k1, n1, k2, n2 = k1 + 0.5, n1 + 0.5, k2 + 0.5, n2 + 0.5
    ratio = (k1 / n1) / (k2 / n2)
    half = Z_95 * np.sqrt(1 / k1 - 1 / n1 + 1 / k2 - 1 / n2)
    return float(ratio), float(ratio * np.exp(-half)), float(ratio * np.exp(half))


def verdict(low: float, high: float, tolerance: float) -> str:
    """Judge a difference's interval ``[low, high]`` against ``tolerance`` (see module doc)."""
    if low > tolerance or high < -tolerance:
        return BEYOND
    if low >= -tolerance and high <= tolerance:
        return WITHIN
    return INCONCLUSIVE


def ratio_verdict(low: float, high: float, ratio_tolerance: float) -> str:
    """Judge a ratio's interval against ``[1 / ratio_tolerance, ratio_tolerance]``."""
    return verdict(np.log(low), np.log(high), np.log(ratio_tolerance))


def judge(k1: float, n1: float, k2: float, n2: float, *, tolerance: float,
          ratio_tolerance: float, small: bool) -> dict[str, float | str]:
    """Compare the rate ``k1/n1`` of a group with the reference group's ``k2/n2``.

    Returns the :data:`COMPARISON_COLUMNS`: the difference and its Newcombe interval, the
    ratio and its Katz interval, and the verdict (:data:`TOO_FEW` when ``small``).
    """
    low, high = newcombe_interval(k1, n1, k2, n2)
    ratio, ratio_low, ratio_high = katz_interval(k1, n1, k2, n2)
    verdicts = {verdict(float(low), float(high), tolerance),
                ratio_verdict(ratio_low, ratio_high, ratio_tolerance)}
    if small:
        overall = TOO_FEW
    elif BEYOND in verdicts:
        overall = BEYOND
    elif verdicts == {WITHIN}:
        overall = WITHIN
    else:
        overall = INCONCLUSIVE
    return {"difference": k1 / n1 - k2 / n2, "low": float(low), "high": float(high),
            "ratio": ratio, "ratio_low": ratio_low, "ratio_high": ratio_high,
            "verdict": overall}


def reference_group(rates: pd.DataFrame) -> str:
    """The largest group of a grouping (ties: the first in sort order), never ``All``."""
    people = (rates[(rates["group"] != "All") & (rates["group"] != MISSING_GROUP)]
              .drop_duplicates("group").set_index("group")["people"])
    if people.empty:
        people = rates[rates["group"] != "All"].drop_duplicates("group").set_index("group")[
            "people"]
    return str(people.sort_index().idxmax())


def compare_rates(rates: pd.DataFrame, *, tolerance: float, ratio_tolerance: float,
                  rate_names: tuple[str, ...] = COMPARED_RATES) -> pd.DataFrame:
    """Every group against the reference group, for each rate of ``rate_names``.

    ``rates`` is one grouping's table from :func:`rail.audit._metrics.rates_by_group`.
    Returns columns :data:`DISPARITY_COLUMNS`; differences are in rate units (0.05 = 5
    percentage points). Groups whose figures are withheld, or rates that cannot be computed,
    get no interval and the verdict :data:`TOO_FEW`.
    """
    reference = reference_group(rates)
    rows = []
    for rate in rate_names:
        of_rate = rates[rates["rate"] == rate].set_index("group")
        ref = of_rate.loc[reference]
        for group, row in of_rate.drop(index=["All", reference]).iterrows():
            result = {"grouping": row["grouping"], "rate": rate, "group": group,
                      "reference": reference, "estimate": row["estimate"],
                      "reference_estimate": ref["estimate"],
                      **dict.fromkeys(COMPARISON_COLUMNS[:-1], np.nan), "verdict": TOO_FEW}
            if row["denominator"] > 0 and ref["denominator"] > 0 and not row["withheld"]:
                result.update(judge(row["numerator"], row["denominator"], ref["numerator"],
                                    ref["denominator"], tolerance=tolerance,
                                    ratio_tolerance=ratio_tolerance,
                                    small=bool(row["small"] or ref["small"])))
            rows.append(result)
    return pd.DataFrame(rows, columns=DISPARITY_COLUMNS)
