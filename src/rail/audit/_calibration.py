"""Calibration within groups: among people with a similar score, is the outcome as common in
every group? (Kleinberg, Mullainathan and Raghavan, 2017.)

A score with few distinct values (a decile, a 0/1 decision) is kept as it is. A finer score is
cut into bands holding about the same number of people (quantiles of the whole table, the same
edges for every group), and each band is named by its mean score. The table itself comes
from :func:`rail.fairness.calibration_by_group` (observed rate and Wilson interval).
"""

from __future__ import annotations

import pandas as pd

from rail.audit._disparities import COMPARISON_COLUMNS, judge
from rail.fairness import calibration_by_group

MAX_DISTINCT_SCORES = 20
"""A score with at most this many distinct values is not banded."""


def score_bands(scores: pd.Series, bands: int) -> tuple[pd.Series, bool]:
    """The score as it is, or its quantile band named by the band's mean score.

    Returns the band of each person and whether banding took place.
    """
    if scores.nunique() <= MAX_DISTINCT_SCORES:
        return scores, False
    band = pd.qcut(scores, q=bands, labels=False, duplicates="drop")
    return scores.groupby(band).transform("mean").round(4), True


def calibration_table(table: pd.DataFrame, column: str, *, bands: int,
                      min_group_size: int) -> tuple[pd.DataFrame, bool]:
    """Observed outcome rate by group of ``column`` and score band, with 95 % intervals.

    Returns the table of :func:`rail.fairness.calibration_by_group` (indexed by group and
    band) with added columns ``mean_score`` (the group's mean score in that band) and
    ``small`` (fewer than ``min_group_size`` people), and whether the score was banded.
    """
    band, banded = score_bands(table["score"], bands)
    frame = pd.DataFrame({column: table[column], "band": band, "label": table["label"],
                          "score": table["score"]})
    result = calibration_by_group(frame, score="band", outcome="label", group=column)
    result["mean_score"] = frame.groupby([column, "band"], sort=True)["score"].mean()
    result["small"] = result["people"] < min_group_size
    return result, banded


def compare_calibration(calibration: pd.DataFrame, reference: str, *, tolerance: float,
                        ratio_tolerance: float) -> pd.DataFrame:
    """In each score band, every group's observed rate against the reference group's.

    Returns columns ``band``, ``group``, ``reference`` and those of
    :func:`rail.audit._disparities.judge` (difference, ratio, their intervals, verdict).
    """
    rows = []
    groups = calibration.index.get_level_values(0).unique()
    for band in calibration.index.get_level_values(1).unique():
        if (reference, band) not in calibration.index:
            continue
        ref = calibration.loc[(reference, band)]
        for group in groups:
            if group == reference or (group, band) not in calibration.index:
                continue
            row = calibration.loc[(group, band)]
            rows.append({"band": band, "group": group, "reference": reference,
                         **judge(row["outcomes"], row["people"], ref["outcomes"],
                                 ref["people"], tolerance=tolerance,
                                 ratio_tolerance=ratio_tolerance,
                                 small=bool(row["small"] or ref["small"]))})
    return pd.DataFrame(rows, columns=["band", "group", "reference", *COMPARISON_COLUMNS])
