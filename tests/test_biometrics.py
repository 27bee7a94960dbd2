"""Tests of rail.biometrics: error rates, thresholds, intervals, bootstrap and crowd arithmetic."""

import math

import pandas as pd
import pytest
from sklearn.metrics import det_curve

from rail import biometrics, datasets


@pytest.fixture(scope="module")
def comparisons() -> pd.DataFrame:
    return datasets.generate("face_match_scores", rows=100_000, seed=5)


def test_error_rates_by_hand_and_against_det_curve(comparisons):
    scores, mated = [1, 2, 3, 4, 5, 6], [0, 0, 1, 0, 1, 1]
    # At 4: impostor 4 is a match (1 of 3), genuine 3 is not (1 of 3).
    assert biometrics.error_rates(scores, mated, 4) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    fpr, fnr, thresholds = det_curve(comparisons["mated"], comparisons["score"])
    for i in (0, len(thresholds) // 3, len(thresholds) // 2, len(thresholds) - 1):
        fmr, fnmr = biometrics.error_rates(comparisons["score"], comparisons["mated"],
                                           thresholds[i])
        assert (fmr, fnmr) == (pytest.approx(fpr[i]), pytest.approx(fnr[i]))


@pytest.mark.parametrize(("scores", "mated", "message"), [
    ([1, 2], [0, 0], "needs both genuine"),
    ([1, 2], [1, 1], "needs both genuine"),
    ([1, 2, 3], [0, 1], "same length"),
    ([1, float("nan")], [0, 1], "NaN"),
    ([1, 2], [0, 2], "only 0"),
])
def test_error_rates_refuse_bad_input(scores, mated, message):
    with pytest.raises(ValueError, match=message):
        biometrics.error_rates(scores, mated, 1.5)


def test_clopper_pearson_known_values_and_zero_errors():
    low, high = biometrics.clopper_pearson(0, 3000)
    assert low == 0
    # Two-sided 95 %: the upper bound is 1 - 0.025 ** (1 / n), about 3.69 / n.
    assert high == pytest.approx(1 - 0.025 ** (1 / 3000))
    assert high * 3000 == pytest.approx(3.69, abs=0.01)
    low, high = biometrics.clopper_pearson(5, 10)
    assert (low, high) == (pytest.approx(0.187086, abs=1e-6), pytest.approx(0.812914, abs=1e-6))
    with pytest.raises(ValueError, match="cannot exceed"):
        biometrics.clopper_pearson(4, 3)
    with pytest.raises(ValueError, match="trials must be a whole number >= 1"):
        biometrics.clopper_pearson(0, 0)
    with pytest.raises(ValueError, match="confidence"):
        biometrics.clopper_pearson(1, 10, confidence=95)


def test_rule_of_three_and_comparisons_needed():
    for n in (300, 3000, 30_000):
        bound = biometrics.zero_error_upper_bound(n)
        assert bound == pytest.approx(1 - 0.05 ** (1 / n))
        assert bound * n == pytest.approx(3.0, rel=0.01)     # the rule of three
    needed = biometrics.comparisons_needed(1e-4)
    assert biometrics.zero_error_upper_bound(needed) <= 1e-4 < \
        biometrics.zero_error_upper_bound(needed - 1)
    assert needed == 29956
    assert biometrics.comparisons_needed(1e-3, confidence=0.99) == math.ceil(
        math.log(0.01) / math.log(1 - 1e-3))
    for bad in (0.0, 1.0, -0.1, 2):
        with pytest.raises(ValueError, match="claimed_rate"):
            biometrics.comparisons_needed(bad)


def test_threshold_for_fmr_meets_the_target_and_is_the_lowest(comparisons):
    impostor = comparisons.loc[comparisons["mated"] == 0, "score"].to_numpy()
    for target in (0.01, 1e-3, 1e-4):
        threshold = biometrics.threshold_for_fmr(impostor, target)
        assert (impostor >= threshold).mean() <= target
        # Any lower observed impostor score would let one more false match through.
        lower = impostor[impostor < threshold].max()
        assert (impostor >= lower).mean() > target
    assert biometrics.threshold_for_fmr([1.0, 2.0, 3.0], 0.0) > 3.0
    assert biometrics.threshold_for_fmr([1.0, 2.0, 3.0], 1.0) == 1.0
    with pytest.raises(ValueError, match="non-empty"):
        biometrics.threshold_for_fmr([], 0.1)
    with pytest.raises(ValueError, match="target_fmr"):
        biometrics.threshold_for_fmr([1.0], 1.5)


def test_error_rates_by_group_counts_and_intervals(comparisons):
    table = biometrics.error_rates_by_group(comparisons, 55.0, "skin_tone")
    assert list(table.index) == ["darker", "lighter"]
    for tone, row in table.iterrows():
        part = comparisons[comparisons["skin_tone"] == tone]
        fmr, fnmr = biometrics.error_rates(part["score"], part["mated"], 55.0)
        assert row["fmr"] == pytest.approx(fmr)
        assert row["fnmr"] == pytest.approx(fnmr)
        assert row["fmr_low"] <= row["fmr"] <= row["fmr_high"]
        assert row["impostor_comparisons"] == (part["mated"] == 0).sum()
    assert table.loc["darker", "fmr"] > 3 * table.loc["lighter", "fmr"]
    both = biometrics.error_rates_by_group(comparisons, 55.0, ["sex", "skin_tone"])
    assert len(both) == 4
    assert both["false_matches"].sum() == table["false_matches"].sum()
    with pytest.raises(ValueError, match="needs the columns"):
        biometrics.error_rates_by_group(comparisons, 55.0, "region")


def test_subject_bootstrap_is_wider_than_binomial_when_subjects_cluster():
    clustered = datasets.generate("face_match_scores", rows=60_000, seed=3)
    impostor = clustered[clustered["mated"] == 0]
    errors = (impostor["score"] >= 50).astype(int)
    low, high = biometrics.subject_bootstrap(errors, impostor["subject_id"], seed=1)
    assert low < errors.mean() < high
    cp_low, cp_high = biometrics.clopper_pearson(int(errors.sum()), len(errors))
    assert high - low > 1.3 * (cp_high - cp_low)
    # Seeded: the same interval again.
    assert biometrics.subject_bootstrap(errors, impostor["subject_id"], seed=1) == (low, high)
    # Independent comparisons (no subject effects, no group differences): the binomial width.
    independent = datasets.generate("face_match_scores", rows=60_000, seed=3, subject_spread=0.0,
                                    fmr_factor_female=1.0, fmr_factor_older=1.0,
                                    fmr_factor_darker=1.0)
    impostor = independent[independent["mated"] == 0]
    errors = (impostor["score"] >= 45).astype(int)
    low, high = biometrics.subject_bootstrap(errors, impostor["subject_id"], seed=1)
    cp_low, cp_high = biometrics.clopper_pearson(int(errors.sum()), len(errors))
    assert (high - low) / (cp_high - cp_low) == pytest.approx(1.0, abs=0.15)


def test_subject_bootstrap_refuses_bad_input():
    with pytest.raises(ValueError, match="same length"):
        biometrics.subject_bootstrap([0, 1], [1])
    with pytest.raises(ValueError, match="only 0 and 1"):
        biometrics.subject_bootstrap([0, 2], [1, 2])
    with pytest.raises(ValueError, match="n_boot"):
        biometrics.subject_bootstrap([0, 1], [1, 2], n_boot=0)
    with pytest.raises(ValueError, match="missing"):
        biometrics.subject_bootstrap([0, 1], [1, None])


def test_crowd_arithmetic():
    # One comparison per person: the expected false alerts are people x FMR.
    assert biometrics.expected_false_alerts(10_000, fmr=1e-3, watchlist_size=1) == \
        pytest.approx(10.0)
    # A larger watchlist: 1 - (1 - fmr)^N per person, about fmr x N.
    p = biometrics.false_alert_probability(1e-4, 500)
    assert p == pytest.approx(1 - (1 - 1e-4) ** 500)
    assert p == pytest.approx(0.05, rel=0.03)
    assert biometrics.false_alert_probability(1.0, 3) == 1.0
    assert biometrics.false_alert_probability(0.0, 3) == 0.0
    # Precision: 10 of 60,000 on the list, all found; false alerts 59,990 x p.
    precision = biometrics.alert_precision(60_000, 10, fmr=1e-4, fnmr=0.0, watchlist_size=500)
    assert precision == pytest.approx(10 / (10 + 59_990 * p))
    assert biometrics.alert_precision(100, 0, fmr=0.0, fnmr=0.1, watchlist_size=5) != \
        biometrics.alert_precision(100, 0, fmr=0.0, fnmr=0.1, watchlist_size=5)   # NaN
    with pytest.raises(ValueError, match="cannot exceed"):
        biometrics.alert_precision(10, 11, fmr=0.1, fnmr=0.1, watchlist_size=5)
    with pytest.raises(ValueError, match="watchlist_size"):
        biometrics.expected_false_alerts(10, fmr=0.1, watchlist_size=0)
    with pytest.raises(ValueError, match="fmr must be a rate"):
        biometrics.expected_false_alerts(10, fmr=-0.1, watchlist_size=5)
