"""Tests of rail.evidence: reliability table, ECE, score-to-LR calibration and Cllr."""

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from rail import datasets
from rail.evidence import (
    LikelihoodRatioModel,
    cllr,
    expected_calibration_error,
    reliability_table,
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


def test_likelihood_ratios_recover_the_binormal_truth(scores):
    # With equal-variance binormal latent scores the true log LR is linear in logit(score):
    # logistic calibration must recover it; isotonic must be close in the bulk.
    frame = datasets.generate("deepfake_detector_scores", rows=200_000, seed=3,
                              unseen_share=0.0, compression_loss=0.0, group_b_shift=0.0)
    y, p = frame["synthetic"].to_numpy(), frame["score"].to_numpy()
    d, mean_real = 2.5, -1.25
    grid = np.array([0.2, 0.5, 0.8])
    grid_latent = np.log(grid / (1 - grid)) / 1.6
    truth = np.exp(d * (grid_latent - mean_real) - d**2 / 2)
    logistic = LikelihoodRatioModel("logistic").fit(y, p)
    np.testing.assert_allclose(logistic.likelihood_ratio(grid), truth, rtol=0.05)
    isotonic = LikelihoodRatioModel("isotonic").fit(y, p)
    np.testing.assert_allclose(isotonic.likelihood_ratio(grid), truth, rtol=0.2)


def test_cllr_known_values():
    assert cllr(np.ones(4), np.array([0, 0, 1, 1])) == pytest.approx(1.0)
    # LR 3 for synthetic items, 1/3 for real: log2(1 + 1/3) per item.
    assert cllr(np.array([3, 3, 1 / 3]), np.array([1, 1, 0])) == pytest.approx(np.log2(4 / 3))
    assert cllr(np.array([1e-9, 1e9]), np.array([1, 0])) > 20


def test_calibrated_lrs_beat_the_uninformative_system(scores):
    y, p = scores
    model = LikelihoodRatioModel("logistic").fit(y[:20_000], p[:20_000])
    assert cllr(model.likelihood_ratio(p[20_000:]), y[20_000:]) < 1.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: reliability_table([0, 1], [0.2]), "same length"),
    (lambda: reliability_table([0, 2], [0.2, 0.3]), "0 \\(real\\) or 1"),
    (lambda: reliability_table([0, 1], [0.2, 1.3]), "between 0 and 1"),
    (lambda: reliability_table([0, 1], [0.2, np.nan]), "finite"),
    (lambda: reliability_table([0, 1], [0.2, 0.3], bins=0), "bins must be"),
    (lambda: expected_calibration_error([], []), "empty"),
    (lambda: cllr([1.0, -1.0], [0, 1]), "positive"),
    (lambda: cllr([1.0, 2.0], [1, 1]), "both real and synthetic"),
    (lambda: LikelihoodRatioModel("spline"), "logistic' or 'isotonic"),
    (lambda: LikelihoodRatioModel().fit([1, 1], [0.2, 0.3]), "both real and synthetic"),
    (lambda: LikelihoodRatioModel().likelihood_ratio([0.5]), "fit the model"),
])
def test_bad_input_gives_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
