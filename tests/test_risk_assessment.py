"""Property tests of the risk_assessment generator: the injected effects and their sizes."""


import numpy as np
import pandas as pd
import pytest

from rail import datasets
from rail.datasets.risk import rearrest_rate_by_decile
from tests.datasheets import assert_group_table_matches

ROWS = 200_000
MILLION = 1_000_000
# Four standard errors: a cell this far from its expected rate is a defect, not chance (with
# about 40 cells checked, chance alone would exceed it once in about 400 runs of new seeds;
# the seeds below are fixed, so the tests are deterministic).
Z = 4.0


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return datasets.generate("risk_assessment", rows=ROWS, seed=1)


@pytest.fixture(scope="module")
def million() -> pd.DataFrame:
    return datasets.generate("risk_assessment", rows=MILLION, seed=7)


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
        "person_id", "group", "sex", "age", "prior_arrests", "charge_degree", "district",
        "risk_score", "rearrest_2y", "reoffend_2y",
    ]
    assert small["risk_score"].between(1, 10).all()
    assert small["age"].between(18, 75).all()
    assert set(small["charge_degree"]) <= {"F", "M"}
    assert set(small["sex"]) <= {"F", "M"}
    # Re-arrest requires a re-offence in this simulation: the label is a subset of the truth.
    assert (small["rearrest_2y"] <= small["reoffend_2y"]).all()


@pytest.mark.parametrize("attribute", ["group", "sex"])
def test_score_is_calibrated_at_every_decile_at_a_million_people(million, attribute):
    # Within sampling error of the one expected rate per decile, for every decile and every
    # group (and sex): calibration within groups holds by construction, not roughly.
    expected = rearrest_rate_by_decile()
    cells = million.groupby([attribute, "risk_score"])["rearrest_2y"].agg(["sum", "size"])
    assert len(cells) == 20, "every decile should be populated in both groups at this size"
    for (value, decile), (count, size) in cells.iterrows():
        rate = expected[decile]
        z = (count - size * rate) / np.sqrt(size * rate * (1 - rate))
        assert abs(z) < Z, (
            f"{attribute} {value}, decile {decile}: {count / size:.4f} re-arrested of {size}, "
            f"expected {rate:.4f} ({z:+.1f} standard errors)"
        )


def test_groups_agree_with_each_other_at_every_decile(million):
    cells = million.groupby(["risk_score", "group"])["rearrest_2y"].agg(["mean", "size"])
    for decile in range(1, 11):
        a, b = cells.loc[(decile, "A")], cells.loc[(decile, "B")]
        pooled = (a["mean"] * a["size"] + b["mean"] * b["size"]) / (a["size"] + b["size"])
        se = np.sqrt(pooled * (1 - pooled) * (1 / a["size"] + 1 / b["size"]))
        assert abs(a["mean"] - b["mean"]) < Z * se, f"decile {decile}: {a['mean']} vs {b['mean']}"


def test_calibration_curve_rises_and_stays_below_the_lower_detection():
    curve = rearrest_rate_by_decile()
    assert curve.is_monotonic_increasing
    assert curve.max() < 0.75
    flat = rearrest_rate_by_decile(score_slope=0.0)
    assert np.allclose(flat, flat.iloc[0])


def test_truth_is_the_label_divided_by_detection_at_every_decile(million):
    # The truth is derived consistently with the label: P(re-offend | decile, group) =
    # P(re-arrest | decile) / detection of the group.
    detection = {"A": 0.75, "B": 0.75 * 1.31}
    expected = rearrest_rate_by_decile()
    cells = million.groupby(["group", "risk_score"])["reoffend_2y"].agg(["sum", "size"])
    for (group, decile), (count, size) in cells.iterrows():
        rate = expected[decile] / detection[group]
        z = (count - size * rate) / np.sqrt(size * rate * (1 - rate))
        assert abs(z) < Z, f"group {group}, decile {decile}: {count / size:.4f} vs {rate:.4f}"


def test_true_reoffending_is_the_same_in_both_groups(cohort):
    truth = cohort.groupby("group")["reoffend_2y"].mean()
    assert truth["B"] - truth["A"] == pytest.approx(0.0, abs=0.01)


def test_rearrest_base_rates_differ_by_the_enforcement_ratio(cohort):
    label = cohort.groupby("group")["rearrest_2y"].mean()
    assert label["B"] / label["A"] == pytest.approx(1.31, abs=0.03)
    assert label["A"] == pytest.approx(0.39, abs=0.02)  # ProPublica: 0.39 and 0.51
    assert label["B"] == pytest.approx(0.51, abs=0.02)


def test_disparities_have_the_propublica_shape(cohort):
    rates = _rates(cohort)
    assert rates.loc["B", "fpr"] / rates.loc["A", "fpr"] > 1.8  # about twice (0.45 vs 0.23)
    assert rates.loc["A", "fnr"] / rates.loc["B", "fnr"] > 1.6  # the reverse (0.48 vs 0.28)
    # Close predictive values (ProPublica: 0.63 and 0.59, a gap of 0.04).
    assert abs(rates.loc["B", "ppv"] - rates.loc["A", "ppv"]) < 0.04


def test_no_enforcement_gap_means_equal_base_rates_scores_and_error_rates():
    even = datasets.generate("risk_assessment", rows=ROWS, seed=2, enforcement_ratio=1.0,
                             history_bias=0.0)
    label = even.groupby("group")["rearrest_2y"].mean()
    assert label["B"] - label["A"] == pytest.approx(0.0, abs=0.01)
    scores = even.groupby("group")["risk_score"].mean()
    assert scores["B"] - scores["A"] == pytest.approx(0.0, abs=0.03)
    rates = _rates(even)
    assert rates.loc["B", "fpr"] / rates.loc["A", "fpr"] == pytest.approx(1.0, abs=0.05)


def test_history_bias_inflates_group_b_prior_arrests_not_scores():
    low, high = (
        datasets.generate("risk_assessment", rows=50_000, seed=4, history_bias=bias)
        for bias in (0.0, 1.0)
    )
    priors = [d.groupby("group")["prior_arrests"].mean() for d in (low, high)]
    assert priors[1]["B"] / priors[1]["A"] > 2 * priors[0]["B"] / priors[0]["A"]
    scores = [d.groupby("group")["risk_score"].mean() for d in (low, high)]
    assert scores[1]["B"] == pytest.approx(scores[0]["B"], abs=0.05)


def test_women_are_a_fifth_with_lower_scores_and_base_rates(cohort):
    women = cohort["sex"] == "F"
    assert women.mean() == pytest.approx(0.2, abs=0.01)
    assert women[cohort["group"] == "A"].mean() == pytest.approx(
        women[cohort["group"] == "B"].mean(), abs=0.01)
    by_sex = cohort.groupby("sex")[["risk_score", "rearrest_2y"]].mean()
    assert by_sex.loc["F", "risk_score"] < by_sex.loc["M", "risk_score"] - 0.8
    assert by_sex.loc["F", "rearrest_2y"] < by_sex.loc["M", "rearrest_2y"] - 0.05


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
        ({"share_female": -0.1}, "share_female must be a probability between 0 and 1"),
        ({"detection_a": 1.5}, "detection_a must be a probability between 0 and 1"),
        ({"detection_a": 0.0}, "detection_a must be a number > 0"),
        ({"enforcement_ratio": 2.0}, "must not exceed 1, got 0.75 \\* 2.0"),
        ({"enforcement_ratio": 0.05}, "no score distribution for group B"),
        ({"score_slope": -1}, "score_slope must be a number >= 0"),
    ],
)
def test_bad_effects_raise_clear_errors(effects, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("risk_assessment", rows=10, seed=0, **effects)


def test_datasheet_figures_match_the_committed_data():
    # The datasheet's table of the committed cohort is checked against the data, so that a
    # regenerated CSV cannot leave stale figures in the prose.
    people = datasets.load("risk_assessment")
    high = people["risk_score"] >= 5
    label = people["rearrest_2y"] == 1
    computed = {}
    for group in ("A", "B"):
        g = people["group"] == group
        h, y = high[g], label[g]
        computed[group] = {
            "people": f"{int(g.sum())}",
            "re-arrest rate (base rate of the label)": f"{y.mean():.2f}",
            "true re-offending rate": f"{people.loc[g, 'reoffend_2y'].mean():.2f}",
            "selection rate (labelled high risk)": f"{h.mean():.2f}",
            "false positive rate": f"{(h & ~y).sum() / (~y).sum():.2f}",
            "false negative rate": f"{(~h & y).sum() / y.sum():.2f}",
            "positive predictive value": f"{(h & y).sum() / h.sum():.2f}",
        }
    assert_group_table_matches("risk_assessment", computed)
