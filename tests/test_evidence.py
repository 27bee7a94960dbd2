"""Tests of rail.evidence: AUC intervals, reliability table, ECE, score-to-LR calibration
(done by lir) and Cllr, checked against lir, scikit-learn and hand computations."""

import numpy as np
import pandas as pd
import pytest
from lir.algorithms.logistic_regression import LogitCalibrator
from lir.data.models import LLRData
from lir.metrics import cllr as lir_cllr
from lir.metrics import cllr_min as lir_cllr_min
from scipy.special import logit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from rail import datasets
from rail.datasets.deepfakes import expected_auc, separation
from rail.evidence import (
    LikelihoodRatioModel,
    auc_by_family,
    auc_interval,
    cllr,
    cllr_min,
    expected_calibration_error,
    reliability_table,
    score_logit,
)


@pytest.fixture(scope="module")
def scores():
    frame = datasets.generate("deepfake_detector_scores", rows=40_000, seed=21)
    return frame["synthetic"].to_numpy(), frame["score"].to_numpy()


def test_reliability_table_matches_scikit_learn(scores):
    y, p = scores
    table = reliability_table(y, p, bins=10)
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="uniform")
    np.testing.assert_allclose(table["observed_share"], observed, atol=1e-12)
    np.testing.assert_allclose(table["mean_score"], predicted, atol=1e-12)
    assert table["count"].sum() == len(y)


def test_ece_is_zero_for_calibrated_scores_and_positive_for_over_confident_ones():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    y = (rng.random(200_000) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.01
    sharper = np.where(p > 0.5, np.minimum(1, p + 0.2), np.maximum(0, p - 0.2))
    assert expected_calibration_error(y, sharper) > 0.1


def test_auc_interval_is_scikit_learns_auc_with_the_spread_seen_over_samples():
    # The interval's half-width must match the AUC's spread over independent samples
    # (binormal scores, separation 2.5, 1,000 items per class).
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 1000)
    aucs, half_widths = [], []
    for _ in range(300):
        scores = np.r_[rng.normal(size=1000), rng.normal(2.5, 1.0, size=1000)]
        auc, low, high = auc_interval(labels, scores)
        assert auc == roc_auc_score(labels, scores)
        assert low < auc < high
        aucs.append(auc)
        half_widths.append((high - low) / 2)
    assert np.mean(aucs) == pytest.approx(expected_auc(2.5), abs=0.002)
    assert np.mean(half_widths) / 1.959964 == pytest.approx(np.std(aucs, ddof=1), rel=0.15)


def test_auc_interval_hand_computed():
    # Synthetic 0.4, 0.9 outscore 1/2 and 2/2 real items; real 0.1, 0.6 are outscored by
    # 2/2 and 1/2 synthetic items: AUC 0.75, variance 0.125/2 + 0.125/2 = 0.125.
    auc, low, high = auc_interval([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    assert auc == pytest.approx(0.75)
    assert low == pytest.approx(0.75 - 1.959964 * np.sqrt(0.125), abs=1e-6)
    assert high == 1.0
    # Ties count one half.
    assert auc_interval([0, 1], [0.5, 0.5])[0] == pytest.approx(0.5)


def test_auc_by_family_compares_each_family_with_the_real_items_at_the_same_level():
    frame = datasets.generate("deepfake_detector_scores", rows=200_000, seed=8)
    table = auc_by_family(frame, "compression").set_index(["compression", "generator"])
    assert len(table) == 12
    heavy = frame[frame["compression"] == "heavy"]
    part = heavy[(heavy["generator"] == "diffusion_c") | (heavy["synthetic"] == 0)]
    assert table.loc[("heavy", "diffusion_c"), "auc"] == pytest.approx(
        roc_auc_score(part["synthetic"], part["score"]), abs=1e-12)
    assert table.loc[("heavy", "diffusion_c"), "real_items"] == (heavy["synthetic"] == 0).sum()
    for (level, family), row in table.iterrows():
        # Real items of group B score higher: the cell's AUC is a little below the group-A one.
        truth = expected_auc(separation(family in ("faceswap_a", "reenact_b"), level))
        assert truth - 0.04 < row["auc"] < truth + 0.01
    overall = auc_by_family(frame).set_index("generator")
    assert list(overall.index) == ["diffusion_c", "faceswap_a", "faceswap_d", "reenact_b"]
    assert (overall["real_items"] == (frame["synthetic"] == 0).sum()).all()


def test_logistic_lr_is_lirs_logit_calibrator_and_a_class_balanced_logistic_regression(scores):
    y, p = scores
    model = LikelihoodRatioModel("logistic").fit(y, p)
    grid = np.array([0.05, 0.5, 0.83, 0.99])
    direct = LogitCalibrator().fit(logit(np.clip(p, 1e-6, 1 - 1e-6)), y)
    np.testing.assert_allclose(model.log10_lr(grid), direct.transform(logit(grid)), atol=1e-12)
    # By hand: log10 LR = (intercept + slope x logit(score)) / ln 10, classes weighted equally.
    by_hand = LogisticRegression(class_weight="balanced").fit(score_logit(p)[:, None], y)
    expected = (by_hand.intercept_[0] + by_hand.coef_[0, 0] * logit(grid)) / np.log(10)
    np.testing.assert_allclose(model.log10_lr(grid), expected, atol=1e-6)
    np.testing.assert_allclose(model.likelihood_ratio(grid), 10 ** expected, rtol=1e-5)


def test_the_reference_sets_mix_is_not_a_prior():
    # Dropping most of the real items changes the mix, not the likelihood ratio.
    frame = datasets.generate("deepfake_detector_scores", rows=100_000, seed=4)
    keep = (frame["synthetic"] == 1) | (frame["item_id"] % 5 == 0)
    full = LikelihoodRatioModel().fit(frame["synthetic"], frame["score"])
    few_real = LikelihoodRatioModel().fit(frame.loc[keep, "synthetic"], frame.loc[keep, "score"])
    np.testing.assert_allclose(full.log10_lr([0.3, 0.83]), few_real.log10_lr([0.3, 0.83]),
                               atol=0.03)


def test_likelihood_ratios_recover_the_binormal_truth():
    # With equal-variance binormal latent scores the true log LR is linear in logit(score):
    # logistic calibration must recover it; KDE and isotonic must be close in the bulk.
    frame = datasets.generate("deepfake_detector_scores", rows=200_000, seed=3,
                              unseen_share=0.0, compression_loss=0.0, group_b_shift=0.0)
    y, p = frame["synthetic"].to_numpy(), frame["score"].to_numpy()
    d, mean_real = 2.5, -1.25
    grid = np.array([0.2, 0.5, 0.8])
    grid_latent = np.log(grid / (1 - grid)) / 1.6
    truth = np.exp(d * (grid_latent - mean_real) - d**2 / 2)
    logistic = LikelihoodRatioModel("logistic").fit(y, p)
    np.testing.assert_allclose(logistic.likelihood_ratio(grid), truth, rtol=0.05)
    kde = LikelihoodRatioModel("kde").fit(y, p)
    np.testing.assert_allclose(kde.likelihood_ratio(grid), truth, rtol=0.15)
    isotonic = LikelihoodRatioModel("isotonic").fit(y, p)
    np.testing.assert_allclose(isotonic.likelihood_ratio(grid), truth, rtol=0.2)


def test_cllr_known_values_and_lir():
    assert cllr(np.zeros(4), np.array([0, 0, 1, 1])) == pytest.approx(1.0)
    # LR 3 for synthetic items, 1/3 for real: log2(1 + 1/3) per item.
    log3 = np.log10(3)
    assert cllr(np.array([log3, log3, -log3]), np.array([1, 1, 0])) == pytest.approx(
        np.log2(4 / 3))
    assert cllr(np.array([-9.0, 9.0]), np.array([1, 0])) > 20
    rng = np.random.default_rng(1)
    llrs, y = rng.normal(size=500), rng.integers(0, 2, 500)
    data = LLRData(features=llrs, labels=y)
    assert cllr(llrs, y) == lir_cllr(data)
    assert cllr_min(llrs, y) == lir_cllr_min(data)
    assert 0 <= cllr_min(llrs, y) <= cllr(llrs, y)


def test_cllr_min_is_zero_for_perfect_separation_and_ignores_monotone_rescaling():
    y = np.array([0, 0, 0, 1, 1, 1])
    llrs = np.array([-2.0, -1.0, 0.5, 0.7, 1.0, 3.0])
    assert cllr_min(llrs, y) == pytest.approx(0.0)
    assert cllr_min(5 * llrs + 2, y) == pytest.approx(cllr_min(llrs, y))


def test_calibrated_lrs_beat_the_uninformative_system(scores):
    y, p = scores
    model = LikelihoodRatioModel("logistic").fit(y[:20_000], p[:20_000])
    llrs = model.log10_lr(p[20_000:])
    assert cllr_min(llrs, y[20_000:]) <= cllr(llrs, y[20_000:]) < 1.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: reliability_table([0, 1], [0.2]), "same length"),
    (lambda: reliability_table([0, 2], [0.2, 0.3]), "0 \\(real\\) or 1"),
    (lambda: reliability_table([0, 1], [0.2, 1.3]), "between 0 and 1"),
    (lambda: reliability_table([0, 1], [0.2, np.nan]), "finite"),
    (lambda: reliability_table([0, 1], [0.2, 0.3], bins=0), "bins must be"),
    (lambda: expected_calibration_error([], []), "empty"),
    (lambda: auc_interval([1, 1], [0.2, 0.3]), "both real and synthetic"),
    (lambda: auc_interval([0, 1], [0.2, 0.3], confidence=95), "confidence"),
    (lambda: auc_by_family(pd.DataFrame({"score": [0.1]})), "lack the column"),
    (lambda: auc_by_family(pd.DataFrame({"generator": ["real"], "synthetic": [0],
                                         "score": [0.1]})), "no synthetic item"),
    (lambda: cllr([0.0, np.nan], [0, 1]), "NaN"),
    (lambda: cllr([0.0, 1.0], [1, 1]), "both real and synthetic"),
    (lambda: cllr([0.0], [0, 1]), "same length"),
    (lambda: cllr_min([0.0, 1.0], [0, 3]), "0 \\(real\\) or 1"),
    (lambda: score_logit([0.5, 2.0]), "between 0 and 1"),
    (lambda: LikelihoodRatioModel("spline"), "method must be one of"),
    (lambda: LikelihoodRatioModel().fit([1, 1], [0.2, 0.3]), "both real and synthetic"),
    (lambda: LikelihoodRatioModel().fit([0, 1], [0.2, 3.0]), "between 0 and 1"),
    (lambda: LikelihoodRatioModel().log10_lr([0.5]), "fit the model"),
    (lambda: LikelihoodRatioModel().fit([0, 1], [0.2, 0.3]).log10_lr([1.5]), "between 0 and 1"),
])
def test_bad_input_gives_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
