"""Probing a system you cannot open: a vendor's predict function as a scikit-learn estimator.

An auditor often gets only a function that turns a table of cases into scores. scikit-learn's
inspection tools (``sklearn.inspection.permutation_importance``) expect an estimator; a
:class:`BlackBox` is one, without ever looking inside the function. Its ``score`` is the AUC
of the scores against an outcome, so that permutation importance measures how much each
feature helps the system **rank cases correctly**. Passing the system's own scores as the
outcome and ``scoring="r2"`` measures instead how much the output **depends on** each feature,
whether or not that helps: a feature the system leans on that does not help it predict is a
question for the vendor.

>>> from sklearn.inspection import permutation_importance
>>> from rail import datasets
>>> from rail.blackbox import BlackBox
>>> from rail.vendors import solvability
>>> cases = datasets.load("burglary_cases")
>>> audit = cases[cases["sample"] == "audit"]
>>> system = BlackBox(solvability.predict)
>>> inputs = audit[list(solvability.INPUTS)]
>>> helps = permutation_importance(system, inputs, audit["solved"], n_repeats=2,
...                                random_state=0)
>>> relies = permutation_importance(system, inputs, system.predict(inputs), scoring="r2",
...                                 n_repeats=2, random_state=0)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import roc_auc_score


class BlackBox(BaseEstimator):
    """A predict ``function`` (table -> one score per row) wrapped as a fitted estimator.

    ``fit`` does nothing: the vendor trained the system, the auditor only calls it.
    """

    def __init__(self, function: Callable[[pd.DataFrame], np.ndarray]) -> None:
        if not callable(function):
            raise TypeError(f"BlackBox needs a function, got {type(function).__name__}")
        self.function = function

    def fit(self, inputs: pd.DataFrame, outcome: object = None) -> BlackBox:
        """Return the box unchanged (nothing is trained)."""
        return self

    def predict(self, inputs: pd.DataFrame) -> np.ndarray:
        """The system's score of each row, as a float array checked for length and gaps."""
        scores = np.asarray(self.function(inputs), dtype=float)
        if scores.shape != (len(inputs),):
            raise ValueError(f"the system returned {scores.shape} scores for {len(inputs)} rows")
        if not np.isfinite(scores).all():
            raise ValueError("the system returned missing or infinite scores")
        return scores

    def score(self, inputs: pd.DataFrame, outcome: object) -> float:
        """AUC of the system's scores against the 0/1 ``outcome`` (0.5: chance)."""
        labels = np.asarray(outcome, dtype=float)
        if not np.isin(labels, [0.0, 1.0]).all():
            raise ValueError("the outcome must be 0/1 with no missing values")
        return float(roc_auc_score(labels, self.predict(inputs)))
