"""Detecting distribution shift without outcomes: is the deployment data like the audit data?

An audit measures a system on one sample; it is used on another place and period, where the
outcomes are not known yet. What can be compared at once is the system's **inputs**:

* :func:`feature_shift`: each feature alone, by the two-sample Kolmogorov-Smirnov statistic
  (the largest gap between the two cumulative distributions, 0-1) and the population
  stability index (:func:`population_stability_index`, the measure credit-risk teams use to
  monitor a scorecard; a common rule of thumb reads below 0.1 as little change and above 0.25
  as a large one: a convention, not a test);
* :func:`domain_classifier_auc`: all features together. A classifier is trained to tell
  the two samples apart, on half of each; its AUC on the other half is near 0.5 if the samples
  are alike, and the further above, the more they differ (the "classifier two-sample test",
  Lopez-Paz and Oquab, 2017, "Revisiting classifier two-sample tests", ICLR).

A shift in the inputs does not prove the system performs worse, and no shift in the inputs
does not prove it performs as well (the relation between inputs and outcome can change):
only outcomes collected after deployment can show that.

>>> from rail import datasets, shift
>>> cases = datasets.load("burglary_cases")
>>> audit, deployed = cases[cases["sample"] == "audit"], cases[cases["sample"] == "deployment"]
>>> table = shift.feature_shift(audit, deployed, ["cctv_available", "report_delay_hours"])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from rail.audit._metrics import hanley_mcneil_interval

PSI_FLOOR = 1e-4
"""Share given to an empty bin, so that the index stays finite."""

SHIFT_COLUMNS = ["reference_mean", "current_mean", "ks", "ks_p_value", "psi"]
"""Columns of :func:`feature_shift`'s table."""


def _values(values: Sequence[float] | pd.Series, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{what} must be a non-empty list of numbers")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} has missing or infinite values: remove or impute them first")
    return array


def population_stability_index(reference: Sequence[float] | pd.Series,
                               current: Sequence[float] | pd.Series, *, bins: int = 10) -> float:
    """PSI = sum over bins of (current share - reference share) x ln(current / reference share).

    Bins are the ``bins`` quantiles of ``reference`` (fewer if values repeat: a 0/1 feature has
    two bins, one per value). An empty bin counts as a share of :data:`PSI_FLOOR`.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be a whole number >= 2, got {bins!r}")
    reference = _values(reference, "reference")
    current = _values(current, "current")
    distinct = np.unique(reference)
    if distinct.size <= bins:
        edges = (distinct[:-1] + distinct[1:]) / 2
    else:
        edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    shares = [np.bincount(np.searchsorted(edges, values, side="right"),
                          minlength=edges.size + 1) / values.size
              for values in (reference, current)]
    expected, actual = (np.maximum(s, PSI_FLOOR) for s in shares)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def feature_shift(reference: pd.DataFrame, current: pd.DataFrame,
                  features: Sequence[str], *, bins: int = 10) -> pd.DataFrame:
    """How far each feature's distribution moved from ``reference`` to ``current``.

    Returns one row per feature (sorted from the largest PSI) with the two means, the
    Kolmogorov-Smirnov statistic and its p-value (:func:`scipy.stats.ks_2samp`), and the PSI.
    With thousands of rows even a trivial shift has a tiny p-value: read the size (KS, PSI),
    not only the p-value.
    """
    missing = sorted({f for f in features if f not in reference or f not in current})
    if missing:
        raise ValueError(f"feature(s) {missing} missing from one of the two tables")
    rows = {}
    for feature in features:
        before = _values(reference[feature], f"reference[{feature!r}]")
        after = _values(current[feature], f"current[{feature!r}]")
        test = ks_2samp(before, after)
        rows[feature] = [before.mean(), after.mean(), float(test.statistic), float(test.pvalue),
                         population_stability_index(before, after, bins=bins)]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=SHIFT_COLUMNS)
    table.index.name = "feature"
    return table.sort_values("psi", ascending=False)


@dataclass(frozen=True)
class DomainCheck:
    """The result of :func:`domain_classifier_auc`.

    Attributes
    ----------
    auc, low, high:
        The classifier's AUC on the held-out halves and its 95 % interval (Hanley and McNeil,
        1982).
    train_rows, test_rows:
        Rows used to train the classifier and to measure it.
    """

    auc: float
    low: float
    high: float
    train_rows: int
    test_rows: int


def domain_classifier_auc(reference: pd.DataFrame, current: pd.DataFrame,
                          features: Sequence[str], *, seed: int = 0) -> DomainCheck:
    """How well a classifier tells ``current`` rows from ``reference`` rows (AUC, held out).

    A gradient-boosted tree classifier (scikit-learn's ``HistGradientBoostingClassifier``,
    fixed seed) is trained on a stratified half of the rows of both tables and scored on the
    other half. AUC 0.5: the samples cannot be told apart by these features.
    """
    missing = sorted({f for f in features if f not in reference or f not in current})
    if missing:
        raise ValueError(f"feature(s) {missing} missing from one of the two tables")
    if len(reference) < 10 or len(current) < 10:
        raise ValueError("each table needs at least 10 rows to train and test a classifier")
    inputs = pd.concat([reference[list(features)], current[list(features)]], ignore_index=True)
    inputs = inputs.astype(float)
    if not np.isfinite(inputs.to_numpy()).all():
        raise ValueError("the features have missing or infinite values: remove them first")
    is_current = np.r_[np.zeros(len(reference), dtype=int), np.ones(len(current), dtype=int)]
    x_train, x_test, y_train, y_test = train_test_split(
        inputs, is_current, test_size=0.5, stratify=is_current, random_state=seed)
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    model.fit(x_train, y_train)
    auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    low, high = hanley_mcneil_interval(auc, int(y_test.sum()), int(len(y_test) - y_test.sum()))
    return DomainCheck(auc=auc, low=float(low), high=float(high), train_rows=len(y_train),
                       test_rows=len(y_test))
