"""Discrimination, calibration and likelihood ratios for a detector's scores (module 06).

A detector's score is not a probability, and a probability is not what a forensic report
should give. This module measures how well scores separate synthetic from real items (AUC per
generator family, with an interval), how far scores are from calibrated probabilities (a
reliability table and the expected calibration error), and turns a score into a **likelihood
ratio** ``P(score | synthetic) / P(score | real)`` estimated on a reference set, with the
log-likelihood-ratio cost (Cllr) to judge a set of likelihood ratios.

The likelihood-ratio work is done by the Netherlands Forensic Institute's ``lir`` library
(``LogitCalibrator``, ``KDECalibrator``, ``IsotonicCalibrator``, ``cllr``, ``cllr_min``);
the functions here only check their input and say clearly what is wrong with it. Likelihood
ratios are passed around as **log10 LR**, as ``lir`` does: 0 means no support either way,
+1 a likelihood ratio of 10 for "synthetic", -1 a likelihood ratio of 10 for "real".

>>> import numpy as np
>>> cllr(np.array([0.0, 0.0]), np.array([0, 1]))   # an uninformative system (LR = 1)
1.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lir.algorithms.isotonic_regression import IsotonicCalibrator
from lir.algorithms.kde import KDECalibrator
from lir.algorithms.logistic_regression import LogitCalibrator
from lir.data.models import LLRData
from lir.metrics import cllr as _lir_cllr
from lir.metrics import cllr_min as _lir_cllr_min
from scipy.special import logit
from scipy.stats import norm, rankdata
from sklearn.metrics import roc_auc_score

SCORE_FLOOR = 1e-6
"""Scores are clipped to [SCORE_FLOOR, 1 - SCORE_FLOOR] before their logit is taken."""


def _labels_and_values(labels: object, values: object,
                       name: str) -> tuple[np.ndarray, np.ndarray]:
    """0/1 labels and the float ``values`` (called ``name`` in messages) paired with them."""
    y = np.asarray(labels)
    v = np.asarray(values, dtype=float)
    if y.ndim != 1 or v.ndim != 1 or len(y) != len(v):
        raise ValueError(f"labels and {name} must be one-dimensional and of the same length")
    if len(y) == 0:
        raise ValueError(f"labels and {name} are empty")
    if not set(np.unique(y)) <= {0, 1}:
        raise ValueError("labels must be 0 (real) or 1 (synthetic)")
    return y.astype(int), v


def _labels_and_scores(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y, s = _labels_and_values(labels, scores, "scores")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite numbers")
    return y, s


def _probabilities(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y, p = _labels_and_scores(labels, scores)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("scores must lie between 0 and 1 to be read as probabilities")
    return y, p


def _both_classes(y: np.ndarray, what: str) -> None:
    if len(np.unique(y)) < 2:
        raise ValueError(f"{what} needs both real and synthetic items")


def score_logit(scores: object) -> np.ndarray:
    """``log(s / (1 - s))`` of scores in [0, 1], clipped to :data:`SCORE_FLOOR` from either end.

    A detector's score squeezes its evidence into (0, 1); on the logit scale the two classes'
    scores are closer to normal, so a straight line (logistic calibration) fits them well.
    """
    _, p = _probabilities(np.zeros(np.size(scores), dtype=int), np.ravel(scores))
    return logit(np.clip(p, SCORE_FLOOR, 1 - SCORE_FLOOR))


# --- discrimination -------------------------------------------------------------------------

def auc_interval(labels: object, scores: object,
                 confidence: float = 0.95) -> tuple[float, float, float]:
    """AUC (scikit-learn's ``roc_auc_score``) with DeLong's normal-approximation interval.

    DeLong, DeLong and Clarke-Pearson (1988): each synthetic item's *placement* is the share of
    real items it outscores (ties count one half), each real item's is the share of synthetic
    items that outscore it; the AUC is the mean placement, and its variance is
    ``var(synthetic placements) / n1 + var(real placements) / n0``.
    Returns ``(auc, low, high)``, the ends clipped to [0, 1].
    """
    y, s = _labels_and_scores(labels, scores)
    _both_classes(y, "an AUC")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    a = float(roc_auc_score(y, s))
    synthetic, real = s[y == 1], s[y == 0]
    n1, n0 = len(synthetic), len(real)
    overall = rankdata(s)
    synthetic_placement = (overall[y == 1] - rankdata(synthetic)) / n0
    real_placement = 1.0 - (overall[y == 0] - rankdata(real)) / n1
    variance = 0.0
    if n1 > 1:
        variance += np.var(synthetic_placement, ddof=1) / n1
    if n0 > 1:
        variance += np.var(real_placement, ddof=1) / n0
    half = float(norm.ppf(0.5 + confidence / 2)) * float(np.sqrt(variance))
    return a, float(max(0.0, a - half)), float(min(1.0, a + half))


def auc_by_family(items: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """AUC of each generator family's synthetic items against the real items.

    ``items`` has the columns ``generator`` ("real" for real items), ``synthetic`` and
    ``score``. With ``by`` (e.g. ``"compression"``), the comparison is made within each level
    of that column: the family's items at that level against the real items at that level.
    Returns one row per family (and level) with ``auc``, ``low``, ``high`` (95 % interval,
    :func:`auc_interval`, DeLong), ``synthetic_items`` and ``real_items``.
    """
    needed = {"generator", "synthetic", "score"} | ({by} if by else set())
    missing = needed - set(items.columns)
    if missing:
        raise ValueError(f"items lack the column(s) {sorted(missing)}")
    cells = items.groupby(by, sort=True) if by else [(None, items)]
    rows = []
    for level, cell in cells:
        real = cell[cell["synthetic"] == 0]
        fakes = cell[cell["synthetic"] == 1]
        for family, part in fakes.groupby("generator", sort=True):
            both = pd.concat([real, part])
            auc, low, high = auc_interval(both["synthetic"], both["score"])
            row = {"generator": family, "auc": auc, "low": low, "high": high,
                   "synthetic_items": len(part), "real_items": len(real)}
            if by:
                row = {by: level, **row}
            rows.append(row)
    if not rows:
        raise ValueError("items hold no synthetic item")
    return pd.DataFrame(rows)


# --- calibration of probability scores ------------------------------------------------------

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


# --- likelihood ratios (lir) ----------------------------------------------------------------

_CALIBRATORS = ("logistic", "kde", "isotonic")


class LikelihoodRatioModel:
    """Score-to-likelihood-ratio calibration fitted on a reference set, done by ``lir``.

    ``method="logistic"`` (default): ``lir``'s ``LogitCalibrator`` on the logit of the score,
    a class-balanced logistic regression (scikit-learn's, with its default mild L2 penalty,
    ``C=1``); log10 LR is a straight line in ``logit(score)``.
    ``method="kde"``: ``KDECalibrator`` with Silverman's bandwidth, a kernel density of each
    class's ``logit(score)``, and their ratio.
    ``method="isotonic"``: ``IsotonicCalibrator`` (pool-adjacent-violators): a monotone step
    function; at the extremes it can give infinite log10 LR, so use it to measure (Cllr_min),
    not to report.

    Classes are weighted equally in every method, so the reference set's own mix of real and
    synthetic items is not smuggled in as a prior.
    """

    def __init__(self, method: str = "logistic") -> None:
        if method not in _CALIBRATORS:
            raise ValueError(f"method must be one of {_CALIBRATORS}, got {method!r}")
        self.method = method
        self.calibrator: LogitCalibrator | KDECalibrator | IsotonicCalibrator | None = None

    def fit(self, labels: object, scores: object) -> LikelihoodRatioModel:
        """Fit on reference ``scores`` (in [0, 1]) with known ``labels`` (1 synthetic, 0 real)."""
        y, p = _probabilities(labels, scores)
        _both_classes(y, "the reference set")
        if self.method == "logistic":
            self.calibrator = LogitCalibrator().fit(score_logit(p), y)
        elif self.method == "kde":
            self.calibrator = KDECalibrator(bandwidth="silverman").fit(score_logit(p), y)
        else:
            self.calibrator = IsotonicCalibrator().fit(p, y)
        return self

    def log10_lr(self, scores: object) -> np.ndarray:
        """``log10 [P(score | synthetic) / P(score | real)]`` for each score."""
        if self.calibrator is None:
            raise ValueError("fit the model on a reference set first")
        p = np.atleast_1d(np.asarray(scores, dtype=float))
        if self.method == "isotonic":
            _, feature = _probabilities(np.zeros(len(p), dtype=int), p)
        else:
            feature = score_logit(p)
        return np.asarray(self.calibrator.transform(feature), dtype=float)

    def likelihood_ratio(self, scores: object) -> np.ndarray:
        """``P(score | synthetic) / P(score | real)`` for each score."""
        with np.errstate(over="ignore"):
            return 10.0 ** self.log10_lr(scores)


def _llr_data(log10_lrs: object, labels: object, what: str) -> LLRData:
    y, llrs = _labels_and_values(labels, log10_lrs, "log10 LRs")
    if np.any(np.isnan(llrs)):
        raise ValueError("log10 LRs must be numbers (infinite is allowed, NaN is not)")
    _both_classes(y, what)
    return LLRData(features=llrs, labels=y)


def cllr(log10_lrs: object, labels: object) -> float:
    """Log-likelihood-ratio cost in bits (``lir.metrics.cllr``): 0 for a perfect system, 1 for
    one that always says LR = 1; above 1, the system misleads.

    ``Cllr = 1/2 [mean over synthetic of log2(1 + 1/LR) + mean over real of log2(1 + LR)]``
    """
    return float(_lir_cllr(_llr_data(log10_lrs, labels, "Cllr")))


def cllr_min(log10_lrs: object, labels: object) -> float:
    """The Cllr the same LRs would have after the best monotone recalibration
    (``lir.metrics.cllr_min``): what is left is the cost of imperfect discrimination;
    ``cllr - cllr_min`` is the cost of miscalibration."""
    return float(_lir_cllr_min(_llr_data(log10_lrs, labels, "Cllr_min")))
