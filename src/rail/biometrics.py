"""Evaluating a biometric matcher: error rates, thresholds, intervals, and alerts in a crowd.

Module 05 asks: *the vendor says 99.9 % accurate: what happens at a stadium?* These helpers
are shared by its lesson and its assignment (and are tested). A comparison is declared a
**match** when its score is at or above the threshold, as in scikit-learn's
:func:`sklearn.metrics.det_curve`, which the lesson uses for whole curves.

* :func:`error_rates` and :func:`error_rates_by_group`: false-match rate (FMR, the share of
  impostor comparisons declared a match) and false-non-match rate (FNMR, the share of genuine
  comparisons not declared a match), per group, with Clopper-Pearson intervals.
* :func:`threshold_for_fmr`: the lowest threshold whose FMR on the impostor comparisons is at
  most a target.
* :func:`clopper_pearson` (scipy's exact binomial interval), :func:`zero_error_upper_bound`
  (the exact one-sided bound when no error was seen; about 3/n, the "rule of three") and
  :func:`comparisons_needed` (how many error-free impostor comparisons support a claim).
* :func:`subject_bootstrap`: an interval for an error rate that resamples *subjects*, not
  comparisons, because comparisons of the same person are not independent.
* :func:`false_alert_probability`, :func:`expected_false_alerts` and :func:`alert_precision`:
  base rates in a 1:N watchlist search of a crowd.

>>> from rail import biometrics
>>> round(biometrics.zero_error_upper_bound(3000), 7)
0.0009981
>>> round(biometrics.expected_false_alerts(60_000, fmr=1e-4, watchlist_size=500))
2926
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest


def _confidence(confidence: float) -> float:
    confidence = float(confidence)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return confidence


def _rate(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a rate between 0 and 1, got {value!r}")
    return value


def _count(name: str, value: int, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _scores_and_truth(scores: Sequence[float], mated: Sequence[int]) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    scores = np.asarray(scores, dtype=float)
    mated = np.asarray(mated)
    if scores.ndim != 1 or scores.shape != mated.shape:
        raise ValueError("scores and mated must be one-dimensional and of the same length, "
                         f"got shapes {scores.shape} and {mated.shape}")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN: drop or repair those comparisons first")
    if not np.isin(mated, (0, 1)).all():
        raise ValueError("mated must hold only 0 (impostor) and 1 (genuine)")
    return scores, mated.astype(bool)


def error_rates(scores: Sequence[float], mated: Sequence[int], threshold: float
                ) -> tuple[float, float]:
    """FMR and FNMR of the comparisons at ``threshold`` (a match when score >= threshold).

    Parameters
    ----------
    scores:
        Similarity scores, one per comparison.
    mated:
        Ground truth: 1 for a genuine comparison (same person), 0 for an impostor one.
    threshold:
        The decision threshold.

    Returns
    -------
    (fmr, fnmr)
        The share of impostor comparisons at or above the threshold, and the share of genuine
        comparisons below it.

    Raises
    ------
    ValueError
        On mismatched or bad input, or when there is no impostor or no genuine comparison.
    """
    scores, mated = _scores_and_truth(scores, mated)
    if mated.all() or not mated.any():
        raise ValueError("error_rates needs both genuine (mated=1) and impostor (mated=0) "
                         "comparisons")
    match = scores >= float(threshold)
    return float(match[~mated].mean()), float((~match[mated]).mean())


def clopper_pearson(errors: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact (Clopper-Pearson) interval for a rate of ``errors`` in ``trials``.

    Uses :func:`scipy.stats.binomtest`'s ``proportion_ci(method="exact")``.
    """
    trials = _count("trials", trials, minimum=1)
    errors = _count("errors", errors)
    if errors > trials:
        raise ValueError(f"errors ({errors}) cannot exceed trials ({trials})")
    interval = binomtest(errors, trials).proportion_ci(confidence_level=_confidence(confidence),
                                                       method="exact")
    return float(interval.low), float(interval.high)


def zero_error_upper_bound(trials: int, confidence: float = 0.95) -> float:
    """One-sided upper bound on a rate when ``trials`` trials showed no error.

    The exact bound is ``1 - (1 - confidence) ** (1 / trials)``; at 95 % it is about
    ``3 / trials``, the "rule of three" (Hanley and Lippman-Hand, 1983).
    """
    trials = _count("trials", trials, minimum=1)
    return float(1.0 - (1.0 - _confidence(confidence)) ** (1.0 / trials))


def comparisons_needed(claimed_rate: float, confidence: float = 0.95) -> int:
    """Error-free trials needed before the one-sided upper bound is at most ``claimed_rate``.

    The smallest ``n`` with ``zero_error_upper_bound(n, confidence) <= claimed_rate``: about
    ``3 / claimed_rate`` at 95 %. Any error seen in the test raises the number needed.
    """
    claimed_rate = _rate("claimed_rate", claimed_rate)
    if claimed_rate in (0.0, 1.0):
        raise ValueError("claimed_rate must be strictly between 0 and 1 (no finite test can "
                         f"support a rate of {claimed_rate!r})")
    alpha = 1.0 - _confidence(confidence)
    n = math.ceil(math.log(alpha) / math.log1p(-claimed_rate))
    # Guard the float rounding of the logarithms: step to the exact smallest n.
    while n > 1 and zero_error_upper_bound(n - 1, confidence) <= claimed_rate:
        n -= 1
    while zero_error_upper_bound(n, confidence) > claimed_rate:
        n += 1
    return n


def threshold_for_fmr(impostor_scores: Sequence[float], target_fmr: float) -> float:
    """The lowest threshold at which the FMR of ``impostor_scores`` is at most ``target_fmr``.

    At most ``floor(target_fmr * n)`` of the ``n`` impostor scores may be at or above the
    threshold; the threshold returned is the smallest float just above the next-highest
    score (ties can make the FMR lower than the target). With too few impostor comparisons
    for the target (``target_fmr * n < 1``) it is just above the highest impostor score: the
    data cannot show that a lower threshold meets the target.
    """
    scores = np.asarray(impostor_scores, dtype=float)
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError("impostor_scores must be a non-empty one-dimensional sequence")
    if np.isnan(scores).any():
        raise ValueError("impostor_scores contain NaN")
    target_fmr = _rate("target_fmr", target_fmr)
    allowed = math.floor(target_fmr * scores.size + 1e-9)
    if allowed >= scores.size:
        return float(scores.min())
    highest_first = np.sort(scores)[::-1]
    return float(np.nextafter(highest_first[allowed], np.inf))


def error_rates_by_group(comparisons: pd.DataFrame, threshold: float, by: str | list[str], *,
                         score: str = "score", mated: str = "mated",
                         confidence: float = 0.95) -> pd.DataFrame:
    """FMR and FNMR per group at one threshold, with counts and Clopper-Pearson intervals.

    Returns one row per group: ``impostor_comparisons``, ``false_matches``, ``fmr``,
    ``fmr_low``, ``fmr_high``, ``genuine_comparisons``, ``false_non_matches``, ``fnmr``,
    ``fnmr_low``, ``fnmr_high``.
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = sorted({score, mated, *keys} - set(comparisons.columns))
    if missing:
        raise ValueError(f"error_rates_by_group needs the columns {missing}")
    _scores_and_truth(comparisons[score], comparisons[mated])
    is_match = comparisons[score] >= float(threshold)
    is_genuine = comparisons[mated] == 1
    frame = pd.DataFrame({
        "impostor": ~is_genuine, "false_match": is_match & ~is_genuine,
        "genuine": is_genuine, "false_non_match": ~is_match & is_genuine,
    })
    counts = frame.groupby([comparisons[k] for k in keys]).sum()
    rows = []
    for group, row in counts.iterrows():
        out = {"impostor_comparisons": int(row["impostor"]),
               "false_matches": int(row["false_match"]),
               "genuine_comparisons": int(row["genuine"]),
               "false_non_matches": int(row["false_non_match"])}
        for rate, errors, trials in (("fmr", "false_matches", "impostor_comparisons"),
                                     ("fnmr", "false_non_matches", "genuine_comparisons")):
            if out[trials]:
                out[rate] = out[errors] / out[trials]
                out[f"{rate}_low"], out[f"{rate}_high"] = clopper_pearson(
                    out[errors], out[trials], confidence)
            else:
                out[rate] = out[f"{rate}_low"] = out[f"{rate}_high"] = np.nan
        rows.append(pd.Series(out, name=group))
    columns = ["impostor_comparisons", "false_matches", "fmr", "fmr_low", "fmr_high",
               "genuine_comparisons", "false_non_matches", "fnmr", "fnmr_low", "fnmr_high"]
    result = pd.DataFrame(rows)[columns]
    result.index = counts.index
    for column in ("impostor_comparisons", "false_matches", "genuine_comparisons",
                   "false_non_matches"):
        result[column] = result[column].astype(int)
    return result


def subject_bootstrap(errors: Sequence[int], subjects: Sequence[object], *,
                      n_boot: int = 2000, seed: int = 0,
                      confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval for an error rate, resampling subjects with replacement.

    Each replicate draws as many subjects as there are, with replacement, and takes *all*
    their comparisons: the rate is the replicate's errors over its comparisons. Comparisons
    of the same subject are correlated (some faces draw many false matches), so this interval
    is honest where the binomial one, which treats comparisons as independent, is too narrow.

    Parameters
    ----------
    errors:
        One 0/1 value per comparison (1 = an error, e.g. a false match).
    subjects:
        The subject of each comparison.
    n_boot, seed:
        Number of bootstrap replicates, and the seed of their random generator.
    confidence:
        Coverage of the two-sided interval.
    """
    errors = np.asarray(errors)
    if errors.ndim != 1 or errors.size == 0 or len(subjects) != errors.size:
        raise ValueError("errors and subjects must be non-empty and of the same length")
    if not np.isin(errors, (0, 1)).all():
        raise ValueError("errors must hold only 0 and 1")
    n_boot = _count("n_boot", n_boot, minimum=1)
    alpha = 1.0 - _confidence(confidence)
    codes, _ = pd.factorize(pd.Series(subjects), sort=True)
    if (codes < 0).any():
        raise ValueError("subjects contain missing values")
    per_subject_errors = np.bincount(codes, weights=errors.astype(float))
    per_subject_trials = np.bincount(codes).astype(float)
    rng = np.random.default_rng(seed)
    n_subjects = per_subject_trials.size
    rates = np.empty(n_boot)
    chunk = max(1, 2_000_000 // n_subjects)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        draw = rng.integers(0, n_subjects, size=(stop - start, n_subjects))
        rates[start:stop] = per_subject_errors[draw].sum(axis=1) / per_subject_trials[draw].sum(
            axis=1)
    low, high = np.quantile(rates, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def false_alert_probability(fmr: float, watchlist_size: int) -> float:
    """Chance that a person on no watchlist raises at least one alert in a 1:N search.

    The person's face is compared with each of the ``watchlist_size`` entries, each a false
    match with probability ``fmr``; treating the comparisons as independent, the chance is
    ``1 - (1 - fmr) ** watchlist_size``, about ``fmr * watchlist_size`` when that is small.
    """
    fmr = _rate("fmr", fmr)
    watchlist_size = _count("watchlist_size", watchlist_size, minimum=1)
    return float(-math.expm1(watchlist_size * math.log1p(-fmr))) if fmr < 1 else 1.0


def expected_false_alerts(people_scanned: int, fmr: float, watchlist_size: int) -> float:
    """Expected false alerts when ``people_scanned`` people on no watchlist pass the camera."""
    people_scanned = _count("people_scanned", people_scanned)
    return people_scanned * false_alert_probability(fmr, watchlist_size)


def alert_precision(people_scanned: int, watchlisted_present: int, fmr: float, fnmr: float,
                    watchlist_size: int) -> float:
    """Expected share of alerts that are true, when some watchlisted people are in the crowd.

    True alerts: ``watchlisted_present * (1 - fnmr)``; false alerts: the other people times
    :func:`false_alert_probability` (a watchlisted person's false alerts against other entries
    are ignored). Returns NaN when no alert is expected at all.
    """
    people_scanned = _count("people_scanned", people_scanned)
    watchlisted_present = _count("watchlisted_present", watchlisted_present)
    if watchlisted_present > people_scanned:
        raise ValueError(f"watchlisted_present ({watchlisted_present}) cannot exceed "
                         f"people_scanned ({people_scanned})")
    fnmr = _rate("fnmr", fnmr)
    true_alerts = watchlisted_present * (1.0 - fnmr)
    false_alerts = expected_false_alerts(people_scanned - watchlisted_present, fmr,
                                         watchlist_size)
    total = true_alerts + false_alerts
    return float(true_alerts / total) if total > 0 else math.nan
