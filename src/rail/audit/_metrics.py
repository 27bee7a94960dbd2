"""Performance and error rates by group and at intersections, each with a 95 % interval.

The counts come from fairlearn's ``MetricFrame``. It is given the table compressed to one
row per distinct combination of groups, label and decision, with the number of people as
``sample_weight``: the same counts as on the raw rows, but fast on a million rows (MetricFrame
handles each raw row in Python). Rates are ratios of those counts, with Wilson's interval
(:func:`rail.fairness.wilson_interval`); the area under the ROC curve has Hanley and McNeil's
(1982) interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from sklearn.metrics import roc_auc_score

from rail.audit._inputs import MISSING_GROUP
from rail.fairness import Z_95, wilson_interval

INTERSECTION = " \u00d7 "
"""Joins the names of group columns (and of their values) at an intersection."""


@dataclass(frozen=True)
class Rate:
    """One rate of a yes/no decision: which people it divides over, and which it counts."""

    name: str
    meaning: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]


RATES: tuple[Rate, ...] = (
    Rate("base rate", "share of people with the outcome (label 1)", ("tp", "fn"),
         ("tp", "fp", "tn", "fn")),
    Rate("selection rate", "share of people flagged", ("tp", "fp"), ("tp", "fp", "tn", "fn")),
    Rate("false positive rate", "share of people without the outcome who were flagged",
         ("fp",), ("fp", "tn")),
    Rate("false negative rate", "share of people with the outcome who were not flagged",
         ("fn",), ("fn", "tp")),
    Rate("positive predictive value", "share of flagged people who had the outcome",
         ("tp",), ("tp", "fp")),
    Rate("accuracy", "share of people the decision got right", ("tp", "tn"),
         ("tp", "fp", "tn", "fn")),
)
"""The rates reported for every group, in report order."""

RATE_COLUMNS = ["grouping", "group", "people", "rate", "numerator", "denominator", "estimate",
                "low", "high", "small", "withheld"]
"""Columns of :func:`rates_by_group`'s table."""


def _weighted_count(label: int, decision: int):
    def count(y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray) -> float:
        return float(sample_weight[(y_true == label) & (y_pred == decision)].sum())
    return count


CONFUSION = {"tp": _weighted_count(1, 1), "fp": _weighted_count(0, 1),
             "tn": _weighted_count(0, 0), "fn": _weighted_count(1, 0)}


def grouping_name(columns: list[str]) -> str:
    """The name of a grouping: one column, or the intersection of several."""
    return INTERSECTION.join(columns)


def confusion_by_group(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Counts of true/false positives/negatives for each group of ``columns`` (all combined).

    Returns a frame indexed by the group (text; the values of several columns joined with
    :data:`INTERSECTION`) with integer columns ``tp``, ``fp``, ``tn``, ``fn`` and ``people``,
    plus a first row ``All``.
    """
    compressed = (table.groupby([*columns, "label", "decision"], observed=True, sort=True)
                  .size().rename("weight").reset_index())
    frame = MetricFrame(metrics=CONFUSION, y_true=compressed["label"].to_numpy(),
                        y_pred=compressed["decision"].to_numpy(),
                        sensitive_features=compressed[columns],
                        sample_params={name: {"sample_weight": compressed["weight"].to_numpy()}
                                       for name in CONFUSION})
    by_group = frame.by_group.astype(int)
    if len(columns) > 1:
        by_group.index = [INTERSECTION.join(map(str, key)) for key in by_group.index]
    else:
        by_group.index = by_group.index.astype(str)
    # Real groups first, in order; any group with a missing value last.
    by_group = by_group.loc[sorted(by_group.index, key=lambda g: (MISSING_GROUP in g, g))]
    overall = frame.overall.astype(int).to_frame("All").T
    counts = pd.concat([overall, by_group])
    counts["people"] = counts[list(CONFUSION)].sum(axis=1)
    return counts


def rates_by_group(table: pd.DataFrame, columns: list[str], *,
                   min_group_size: int) -> pd.DataFrame:
    """Every rate of :data:`RATES` for every group of ``columns``, with its 95 % interval.

    A rate whose denominator is below ``min_group_size`` is marked ``small``: shown, but not
    to be read as a finding. A group of one person has its figures withheld (they would
    describe, and could identify, that one person). A rate with a denominator of 0 is NaN.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RATE_COLUMNS`, one row per (group, rate); the first group is ``All``.
    """
    counts = confusion_by_group(table, columns)
    rows = []
    for rate in RATES:
        numerator = counts[list(rate.numerator)].sum(axis=1).to_numpy()
        denominator = counts[list(rate.denominator)].sum(axis=1).to_numpy()
        estimate = np.full(len(counts), np.nan)
        low = np.full(len(counts), np.nan)
        high = np.full(len(counts), np.nan)
        has = denominator > 0
        estimate[has] = numerator[has] / denominator[has]
        low[has], high[has] = wilson_interval(numerator[has], denominator[has])
        rows.append(pd.DataFrame({
            "grouping": grouping_name(columns), "group": counts.index,
            "people": counts["people"].to_numpy(), "rate": rate.name, "numerator": numerator,
            "denominator": denominator, "estimate": estimate, "low": low, "high": high,
        }))
    result = pd.concat(rows, ignore_index=True)
    result["small"] = result["denominator"] < min_group_size
    result["withheld"] = result["people"] == 1
    result.loc[result["withheld"], ["estimate", "low", "high"]] = np.nan
    return result[RATE_COLUMNS]


def hanley_mcneil_interval(auc: float, positives: int, negatives: int,
                           z: float = Z_95) -> tuple[float, float]:
    """Hanley and McNeil's (1982) normal interval for an area under the ROC curve.

    Hanley, J. A., and McNeil, B. J. (1982). The meaning and use of the area under a receiver
    operating characteristic (ROC) curve. Radiology, 143(1), 29-36.
    """
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc)
                + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives)
    half = z * np.sqrt(max(variance, 0.0))
    return max(auc - half, 0.0), min(auc + half, 1.0)


def auc_by_group(table: pd.DataFrame, column: str, *, min_group_size: int,
                 overall: bool = True) -> pd.DataFrame:
    """How well the score ranks people with the outcome above those without, by group.

    Returns one row per group (first ``All`` if ``overall``) with ``positives``,
    ``negatives``, ``auc``, ``low``, ``high`` (95 %, Hanley-McNeil) and ``small`` (fewer than
    ``min_group_size`` positives or negatives). The AUC is NaN where a group lacks either
    class, or has one person.
    """
    parts = [(str(k), g) for k, g in table.groupby(column, sort=True)]
    if overall:
        parts.insert(0, ("All", table))
    rows = []
    for name, part in parts:
        positives = int(part["label"].sum())
        negatives = len(part) - positives
        auc = low = high = np.nan
        if positives and negatives and len(part) > 1:
            auc = float(roc_auc_score(part["label"], part["score"]))
            low, high = hanley_mcneil_interval(auc, positives, negatives)
        rows.append({"grouping": column, "group": name, "positives": positives,
                     "negatives": negatives, "auc": auc, "low": low, "high": high,
                     "small": min(positives, negatives) < min_group_size})
    return pd.DataFrame(rows)
