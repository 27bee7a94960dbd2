"""Disparities between groups, judged against a stated tolerance with their intervals.

Each group is compared with a reference group (the largest group of its grouping) on a rate.
The difference has Newcombe's (1998, method 10) 95 % interval, built from the two Wilson
intervals. A difference is judged by its whole interval, not by its point estimate alone:

* **beyond tolerance**: the whole interval lies beyond the tolerance (on either side);
* **within tolerance**: the whole interval lies within plus or minus the tolerance;
* **inconclusive**: the interval reaches both sides of the tolerance: more data is needed;
* **too few people**: either rate rests on fewer people than the minimum group size, so it
  is not judged at all.

Newcombe, R. G. (1998). Interval estimation for the difference between independent
proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873-890.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.audit._inputs import MISSING_GROUP
from rail.fairness import wilson_interval

BEYOND = "beyond tolerance"
WITHIN = "within tolerance"
INCONCLUSIVE = "inconclusive"
TOO_FEW = "too few people"
VERDICTS = (BEYOND, INCONCLUSIVE, WITHIN, TOO_FEW)
"""The verdicts, most serious first."""

COMPARED_RATES = ("selection rate", "false positive rate", "false negative rate",
                  "positive predictive value")
"""The rates compared between groups: demographic parity, equalised odds, predictive parity."""

DISPARITY_COLUMNS = ["grouping", "rate", "group", "reference", "estimate", "reference_estimate",
                     "difference", "low", "high", "verdict"]


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


def verdict(low: float, high: float, tolerance: float) -> str:
    """Judge a difference's interval ``[low, high]`` against ``tolerance`` (see module doc)."""
    if low > tolerance or high < -tolerance:
        return BEYOND
    if low >= -tolerance and high <= tolerance:
        return WITHIN
    return INCONCLUSIVE


def reference_group(rates: pd.DataFrame) -> str:
    """The largest group of a grouping (ties: the first in sort order), never ``All``."""
    people = (rates[(rates["group"] != "All") & (rates["group"] != MISSING_GROUP)]
              .drop_duplicates("group").set_index("group")["people"])
    if people.empty:
        people = rates[rates["group"] != "All"].drop_duplicates("group").set_index("group")[
            "people"]
    return str(people.sort_index().idxmax())


def compare_rates(rates: pd.DataFrame, *, tolerance: float,
                  rate_names: tuple[str, ...] = COMPARED_RATES) -> pd.DataFrame:
    """Every group against the reference group, for each rate of ``rate_names``.

    ``rates`` is one grouping's table from :func:`rail.audit._metrics.rates_by_group`.
    Returns columns :data:`DISPARITY_COLUMNS`; differences are in rate units (0.05 = 5
    percentage points).
    """
    reference = reference_group(rates)
    rows = []
    for rate in rate_names:
        of_rate = rates[rates["rate"] == rate].set_index("group")
        ref = of_rate.loc[reference]
        for group, row in of_rate.drop(index=["All", reference]).iterrows():
            result = {"grouping": row["grouping"], "rate": rate, "group": group,
                      "reference": reference, "estimate": row["estimate"],
                      "reference_estimate": ref["estimate"], "difference": np.nan,
                      "low": np.nan, "high": np.nan, "verdict": TOO_FEW}
            usable = not (row["small"] or ref["small"] or row["withheld"])
            if row["denominator"] > 0 and ref["denominator"] > 0 and not row["withheld"]:
                low, high = newcombe_interval(row["numerator"], row["denominator"],
                                              ref["numerator"], ref["denominator"])
                result.update(difference=row["estimate"] - ref["estimate"], low=float(low),
                              high=float(high))
                if usable:
                    result["verdict"] = verdict(float(low), float(high), tolerance)
            rows.append(result)
    return pd.DataFrame(rows, columns=DISPARITY_COLUMNS)
