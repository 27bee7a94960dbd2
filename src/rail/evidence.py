"""Calibration and likelihood ratios for a detector's scores (module 06).

A detector's score is not a probability, and a probability is not what a forensic report
should give. This module measures how far scores are from calibrated (a reliability table and
the expected calibration error), and turns a score into a **likelihood ratio**
``P(score | synthetic) / P(score | real)`` estimated on a reference set, with the log-likelihood
ratio cost (Cllr) to judge a set of likelihood ratios.

>>> import numpy as np
>>> cllr(np.array([1.0, 1.0]), np.array([0, 1]))   # an uninformative system
1.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

_EPS = 1e-6


def _labels_and_scores(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=float)
    if y.ndim != 1 or s.ndim != 1 or len(y) != len(s):
        raise ValueError("labels and scores must be one-dimensional and of the same length")
    if len(y) == 0:
        raise ValueError("labels and scores are empty")
    if not set(np.unique(y)) <= {0, 1}:
        raise ValueError("labels must be 0 (real) or 1 (synthetic)")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite numbers")
    return y.astype(int), s


def _probabilities(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y, p = _labels_and_scores(labels, scores)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("scores must lie between 0 and 1 to be read as probabilities")
    return y, p


def reliability_table(labels: object, scores: object, bins: int = 10) -> pd.DataFrame:
    """Group scores into ``bins`` equal-width bins on [0, 1]; per non-empty bin, the count, the
    mean score and the observed share of synthetic items (the points of a reliability diagram).
    """
    y, p = _probabilities(labels, scores)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive whole number, got {bins!r}")
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges[1:-1], p), 0, bins - 1)
    frame = pd.DataFrame({"bin": index, "score": p, "synthetic": y})
    table = frame.groupby("bin").agg(count=("score", "size"), mean_score=("score", "mean"),
                                     observed_share=("synthetic", "mean")).reset_index()
    table.insert(1, "lower", edges[table["bin"]])
    table.insert(2, "upper", edges[table["bin"] + 1])
    return table


def expected_calibration_error(labels: object, scores: object, bins: int = 10) -> float:
    """Expected calibration error: the count-weighted mean gap between mean score and observed
    share over the bins of :func:`reliability_table`."""
    table = reliability_table(labels, scores, bins)
    gaps = (table["mean_score"] - table["observed_share"]).abs()
    return float(np.average(gaps, weights=table["count"]))


class LikelihoodRatioModel:
    """Score-to-likelihood-ratio calibration fitted on a reference set.

    ``method="logistic"`` fits a logistic regression on the logit of the score (Platt scaling);
    ``method="isotonic"`` fits a monotone step function. Classes are weighted equally, so the
    fitted posterior odds are the likelihood ratio (the reference set's own mix of real and
    synthetic items is not smuggled in as a prior).
    """

    def __init__(self, method: str = "logistic") -> None:
        if method not in ("logistic", "isotonic"):
            raise ValueError(f"method must be 'logistic' or 'isotonic', got {method!r}")
        self.method = method
        self._model: LogisticRegression | IsotonicRegression | None = None

    def fit(self, labels: object, scores: object) -> LikelihoodRatioModel:
        """Fit on reference ``scores`` with known ``labels`` (1 synthetic, 0 real)."""
        y, p = _probabilities(labels, scores)
        if len(np.unique(y)) < 2:
            raise ValueError("the reference set needs both real and synthetic items")
        weights = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
        if self.method == "logistic":
            self._model = LogisticRegression(C=1e6).fit(_logit(p)[:, None], y,
                                                         sample_weight=weights)
        else:
            self._model = IsotonicRegression(y_min=_EPS, y_max=1 - _EPS,
                                             out_of_bounds="clip").fit(p, y, sample_weight=weights)
        return self

    def posterior_at_even_odds(self, scores: object) -> np.ndarray:
        """P(synthetic | score) for a population with as many synthetic items as real ones."""
        if self._model is None:
            raise ValueError("fit the model on a reference set first")
        _, p = _probabilities(np.zeros(np.size(scores), dtype=int), scores)
        if isinstance(self._model, LogisticRegression):
            return self._model.predict_proba(_logit(p)[:, None])[:, 1]
        return np.clip(self._model.predict(p), _EPS, 1 - _EPS)

    def likelihood_ratio(self, scores: object) -> np.ndarray:
        """``P(score | synthetic) / P(score | real)`` for each score."""
        posterior = self.posterior_at_even_odds(scores)
        return posterior / (1.0 - posterior)


def _logit(p: np.ndarray) -> np.ndarray:
    return logit(np.clip(p, _EPS, 1 - _EPS))


def cllr(likelihood_ratios: object, labels: object) -> float:
    """Log-likelihood-ratio cost in bits: 0 for a perfect system, 1 for one that always says
    LR = 1; above 1, the system misleads.

    ``Cllr = 1/2 [mean over synthetic of log2(1 + 1/LR) + mean over real of log2(1 + LR)]``
    """
    y, lr = _labels_and_scores(labels, likelihood_ratios)
    if np.any(lr <= 0):
        raise ValueError("likelihood ratios must be positive")
    if len(np.unique(y)) < 2:
        raise ValueError("Cllr needs both real and synthetic items")
    synthetic_cost = np.mean(np.log2(1.0 + 1.0 / lr[y == 1]))
    real_cost = np.mean(np.log2(1.0 + lr[y == 0]))
    return float(0.5 * (synthetic_cost + real_cost))
