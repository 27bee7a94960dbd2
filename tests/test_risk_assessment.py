"""Property tests of the risk_assessment generator: the injected disparities and their sizes."""

import numpy as np
import pandas as pd
import pytest

from rail import datasets

ROWS = 200_000


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return datasets.generate("risk_assessment", rows=ROWS, seed=1)


def _rates(frame: pd.DataFrame, threshold: int = 5) -> pd.DataFrame:
    """Prevalence, FPR, FNR and PPV of 'score >= threshold' against re-arrest, by group."""
    high = frame["risk_score"] >= threshold
    label = frame["rearrest_2y"] == 1

    def per_group(index):
        h, y = high[index], label[index]
        return pd.Series({
            "prevalence": y.mean(),
            "fpr": (h & ~y).sum() / (~y).sum(),
            "fnr": (~h & y).sum() / y.sum(),
            "ppv": (h & y).sum() / h.sum(),
        })

    return pd.DataFrame({g: per_group(frame["group"] == g) for g in ("A", "B")}).T


def test_columns_and_ranges():
    small = datasets.generate("risk_assessment", rows=500, seed=3)
    assert list(small.columns) == [
        "person_id", "group", "age", "prior_arrests", "charge_degree", "district",
        "risk_score", "rearrest_2y", "reoffend_2y",
    ]
    assert small["risk_score"].between(1, 10).all()
    assert small["age"].between(18, 75).all()
    assert set(small["charge_degree"]) <= {"F", "M"}
    # Re-arrest requires a re-offence in this simulation: the label is a subset of the truth.
    assert (small["rearrest_2y"] <= small["reoffend_2y"]).all()


def test_true_reoffending_is_the_same_in_both_groups(cohort):
    truth = cohort.groupby("group")["reoffend_2y"].mean()
    assert truth["B"] - truth["A"] == pytest.approx(0.0, abs=0.01)


def test_rearrest_base_rates_differ_by_the_enforcement_ratio(cohort):
    label = cohort.groupby("group")["rearrest_2y"].mean()
    assert label["B"] / label["A"] == pytest.approx(1.31, abs=0.03)
    assert label["A"] == pytest.approx(0.39, abs=0.03)  # ProPublica: 0.39 and 0.51
    assert label["B"] == pytest.approx(0.51, abs=0.03)


def test_disparities_have_the_propublica_shape(cohort):
    rates = _rates(cohort)
    assert rates.loc["B", "fpr"] / rates.loc["A", "fpr"] > 1.6  # about twice (0.45 vs 0.23)
    assert rates.loc["A", "fnr"] / rates.loc["B", "fnr"] > 1.6  # the reverse (0.48 vs 0.28)
    assert abs(rates.loc["B", "ppv"] - rates.loc["A", "ppv"]) < 0.12  # similar (0.63, 0.59)


def test_score_is_roughly_calibrated_within_groups(cohort):
    by_score = cohort.groupby(["risk_score", "group"])["rearrest_2y"].mean().unstack()
    weights = cohort["risk_score"].value_counts().sort_index()
    gap = ((by_score["B"] - by_score["A"]).abs() * weights).sum() / weights.sum()
    assert gap < 0.06
    assert by_score["A"].is_monotonic_increasing and by_score["B"].is_monotonic_increasing


def test_no_enforcement_gap_means_equal_base_rates_and_smaller_disparity():
    even = datasets.generate("risk_assessment", rows=ROWS, seed=2, enforcement_ratio=1.0,
                             history_bias=0.0)
    label = even.groupby("group")["rearrest_2y"].mean()
    assert label["B"] - label["A"] == pytest.approx(0.0, abs=0.01)
    rates = _rates(even)
    assert rates.loc["B", "fpr"] / rates.loc["A", "fpr"] == pytest.approx(1.0, abs=0.05)


def test_history_bias_raises_group_b_scores():
    low, high = (
        datasets.generate("risk_assessment", rows=50_000, seed=4, history_bias=bias)
        for bias in (0.0, 1.0)
    )
    gap = [d.groupby("group")["risk_score"].mean().diff().iloc[-1] for d in (low, high)]
    assert gap[1] > gap[0] + 0.5


def test_district_is_a_proxy_for_group(cohort):
    share_b = (cohort["group"] == "B").groupby(cohort["district"]).mean()
    assert share_b.min() < 0.2 and share_b.max() > 0.85
    assert np.corrcoef(share_b.index.str[1:].astype(int), share_b)[0, 1] > 0.9


def test_features_carry_signal_about_the_label(cohort):
    older = cohort["age"] > cohort["age"].median()
    many_priors = cohort["prior_arrests"] > cohort["prior_arrests"].median()
    assert cohort.loc[older, "rearrest_2y"].mean() < cohort.loc[~older, "rearrest_2y"].mean()
    assert (cohort.loc[many_priors, "rearrest_2y"].mean()
            > cohort.loc[~many_priors, "rearrest_2y"].mean())


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ({"share_b": 1.5}, "share_b must be a probability between 0 and 1"),
        ({"detection_a": 1.5}, "detection_a must be a probability between 0 and 1"),
        ({"enforcement_ratio": 2.0}, "must not exceed 1, got 0.75 \\* 2.0"),
        ({"score_noise": -1}, "score_noise must be a number >= 0"),
    ],
)
def test_bad_effects_raise_clear_errors(effects, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("risk_assessment", rows=10, seed=0, **effects)
