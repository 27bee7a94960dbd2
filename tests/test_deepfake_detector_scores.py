"""Property tests of the deepfake_detector_scores generator: injected effects and their sizes."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.metrics import roc_auc_score

from rail import datasets
from rail.datasets.deepfakes import (
    COMPRESSION_LEVELS,
    REAL_MEAN,
    SEEN_FAMILIES,
    UNSEEN_FAMILIES,
    expected_auc,
    separation,
)

MILLION = 1_000_000
# Sampling error of an AUC on ~40,000 + ~80,000 items is about 0.002; 0.01 is a defect.
AUC_TOLERANCE = 0.01


@pytest.fixture(scope="module")
def million() -> pd.DataFrame:
    return datasets.generate("deepfake_detector_scores", rows=MILLION, seed=7)


def test_columns_types_and_ranges():
    small = datasets.generate("deepfake_detector_scores", rows=5000, seed=3)
    assert list(small.columns) == [
        "item_id", "generator", "seen_family", "compression", "subject_group", "score",
        "synthetic"]
    assert small["item_id"].is_unique
    assert set(small["generator"]) == {"real", *SEEN_FAMILIES, *UNSEEN_FAMILIES}
    assert set(small["compression"]) == set(COMPRESSION_LEVELS)
    assert small["score"].between(0, 1, inclusive="neither").all()
    real = small["synthetic"] == 0
    assert (small.loc[real, "generator"] == "real").all()
    assert (small.loc[real, "seen_family"] == 0).all()
    assert (small["seen_family"] == small["generator"].isin(SEEN_FAMILIES)).all()


def test_shares(million):
    assert million["synthetic"].mean() == pytest.approx(0.5, abs=0.003)
    fakes = million[million["synthetic"] == 1]
    assert (1 - fakes["seen_family"].mean()) == pytest.approx(0.5, abs=0.004)
    assert (million["subject_group"] == "B").mean() == pytest.approx(0.3, abs=0.003)
    assert million["compression"].value_counts(normalize=True).to_numpy() == pytest.approx(
        [1 / 3] * 3, abs=0.003)


@pytest.mark.parametrize("compression", COMPRESSION_LEVELS)
@pytest.mark.parametrize("seen", [True, False])
def test_auc_per_condition_has_its_stated_size(million, seen, compression):
    real = million[(million["synthetic"] == 0) & (million["compression"] == compression)
                   & (million["subject_group"] == "A")]
    fakes = million[(million["synthetic"] == 1) & (million["seen_family"] == int(seen))
                    & (million["compression"] == compression)
                    & (million["subject_group"] == "A")]
    cell = pd.concat([real, fakes])
    auc = roc_auc_score(cell["synthetic"], cell["score"])
    assert auc == pytest.approx(expected_auc(separation(seen, compression)), abs=AUC_TOLERANCE)


def test_stated_default_aucs():
    assert expected_auc(separation(True, "none")) == pytest.approx(0.961, abs=0.0005)
    assert expected_auc(separation(False, "none")) == pytest.approx(0.714, abs=0.0005)
    assert separation(True, "heavy") == pytest.approx(2.5 * 0.6)
    assert separation(True, "light") == pytest.approx(2.5 * 0.8)


def test_group_b_real_items_score_higher_by_the_stated_shift(million):
    real = million[million["synthetic"] == 0]
    is_b = (real["subject_group"] == "B").astype(int)
    assert roc_auc_score(is_b, real["score"]) == pytest.approx(expected_auc(0.4), abs=0.005)
    fakes = million[million["synthetic"] == 1]
    no_shift = roc_auc_score((fakes["subject_group"] == "B").astype(int), fakes["score"])
    assert no_shift == pytest.approx(0.5, abs=0.005)


def test_scores_are_over_confident_by_the_score_scale(million):
    real_a = million[(million["synthetic"] == 0) & (million["subject_group"] == "A")]
    latent = logit(real_a["score"]) / 1.6
    assert latent.mean() == pytest.approx(REAL_MEAN, abs=0.01)
    assert latent.std() == pytest.approx(1.0, abs=0.01)


def test_low_scores_are_far_too_low_on_the_default_mix(million):
    # The datasheet: about a quarter of the items scored below 0.1 are synthetic.
    low = million[million["score"] < 0.1]
    assert low["score"].mean() < 0.05
    assert 0.2 < low["synthetic"].mean() < 0.27


def test_effects_can_be_switched_off():
    frame = datasets.generate("deepfake_detector_scores", rows=200_000, seed=11,
                              separation_unseen=2.5, compression_loss=0.0, group_b_shift=0.0)
    seen = frame[frame["generator"].isin(SEEN_FAMILIES) | (frame["synthetic"] == 0)]
    unseen = frame[frame["generator"].isin(UNSEEN_FAMILIES) | (frame["synthetic"] == 0)]
    auc_seen = roc_auc_score(seen["synthetic"], seen["score"])
    auc_unseen = roc_auc_score(unseen["synthetic"], unseen["score"])
    assert auc_seen == pytest.approx(auc_unseen, abs=0.01)


def test_same_seed_same_table_other_seed_other_table():
    one = datasets.generate("deepfake_detector_scores", rows=1000, seed=5)
    pd.testing.assert_frame_equal(one, datasets.generate("deepfake_detector_scores",
                                                         rows=1000, seed=5))
    assert not one.equals(datasets.generate("deepfake_detector_scores", rows=1000, seed=6))


@pytest.mark.parametrize(("effect", "value", "message"), [
    ("synthetic_share", 1.5, "synthetic_share must be a probability"),
    ("unseen_share", -0.1, "unseen_share must be a probability"),
    ("separation_seen", -1.0, "separation_seen must be a number >= 0"),
    ("compression_loss", 2.0, "compression_loss must be a probability"),
    ("score_scale", 0.0, "score_scale must be a number > 0"),
    ("group_b_shift", float("nan"), "group_b_shift must be a number >= 0"),
])
def test_bad_parameters_give_clear_errors(effect, value, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("deepfake_detector_scores", rows=10, seed=1, **{effect: value})


def test_separation_refuses_an_unknown_compression():
    with pytest.raises(ValueError, match="compression must be one of"):
        separation(True, "medium")


def test_a_million_items_are_cheap(million):
    assert len(million) == MILLION
    assert np.isfinite(million["score"]).all()
