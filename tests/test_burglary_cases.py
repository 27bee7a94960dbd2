"""Property tests of the burglary_cases generator and of the vendor's system on its data.

Each injected effect is checked at its stated size on a million cases (four standard errors:
the seeds are fixed, so the tests are deterministic).
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from rail import datasets
from rail.datasets.cases import (
    AREA_MEAN_A,
    AREA_SD,
    COLUMNS,
    DELAY_MEDIAN_HOURS,
    EVIDENCE_SHARES,
    OLDER_DELAY_FACTOR,
    OLDER_SHARE,
    OLDER_SUSPECT_DESCRIBED,
    TRUTH_WEIGHTS,
)
from rail.vendors import solvability
from tests.datasheets import assert_group_table_matches

MILLION = 1_000_000
Z = 4.0
FNR_GAP = 0.22
"""The datasheet's stated gap in false negative rates, B minus A, at the defaults."""


@pytest.fixture(scope="module")
def million() -> pd.DataFrame:
    cases = datasets.generate("burglary_cases", rows=MILLION, seed=7,
                              reveal_deployment_outcomes=True)
    cases["score"] = solvability.predict(cases)
    return cases


def _within(count: int, size: int, rate: float, what: str) -> None:
    z = (count - size * rate) / np.sqrt(size * rate * (1 - rate))
    assert abs(z) < Z, f"{what}: {count} of {size}, expected rate {rate:.4f} ({z:+.1f} SE)"


def _logit(p: pd.Series) -> np.ndarray:
    p = p.to_numpy(dtype=float)
    return np.log(p) - np.log1p(-p)


def _mean_difference_within(a: np.ndarray, b: np.ndarray, expected: float, what: str) -> None:
    se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    # Rounding the rate to three decimals adds a little bias on the logit scale: allow 0.01.
    assert abs(a.mean() - b.mean() - expected) < Z * se + 0.01, (what, a.mean() - b.mean())


def _fnr(cases: pd.DataFrame) -> tuple[float, int]:
    solvable = cases[cases["solved"] == 1]
    return float((solvable["score"] < solvability.RECOMMENDED_THRESHOLD).mean()), len(solvable)


def test_columns_types_and_ranges():
    small = datasets.generate("burglary_cases", rows=5000, seed=3)
    assert list(small.columns) == list(COLUMNS)
    assert small["case_id"].is_unique
    assert set(small["sample"]) == {"audit", "deployment"}
    assert set(small["victim_group"]) == {"A", "B"}
    assert set(small["victim_age_band"]) == {"under 65", "65 and over"}
    for flag in EVIDENCE_SHARES:
        assert set(small[flag]) <= {0, 1}
    assert small["area_clearance_rate"].between(0, 1).all()
    assert (small["report_delay_hours"] >= 0).all() and (small["property_value_eur"] >= 0).all()
    audit = small["sample"] == "audit"
    assert set(small.loc[audit, "solved"]) <= {0, 1}
    assert small.loc[~audit, "solved"].isna().all(), "deployment outcomes must be absent"
    assert (small.loc[audit, "area"] == "North").all()
    assert (small.loc[audit, "period"] == 2025).all()
    assert (small.loc[~audit, "area"] == "South").all()
    assert (small.loc[~audit, "period"] == 2026).all()


def test_same_seed_same_table_other_seed_other_table():
    a, b, c = (datasets.generate("burglary_cases", rows=3000, seed=s) for s in (4, 4, 5))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_revealing_deployment_outcomes_changes_nothing_else():
    hidden = datasets.generate("burglary_cases", rows=3000, seed=4)
    shown = datasets.generate("burglary_cases", rows=3000, seed=4, reveal_deployment_outcomes=True)
    pd.testing.assert_frame_equal(hidden.drop(columns="solved"), shown.drop(columns="solved"))
    audit = hidden["sample"] == "audit"
    pd.testing.assert_series_equal(hidden.loc[audit, "solved"], shown.loc[audit, "solved"])
    assert shown["solved"].notna().all()


def test_sample_and_group_shares_are_the_parameters(million):
    deployed = million["sample"] == "deployment"
    _within(int(deployed.sum()), MILLION, 0.4, "deployment share")
    for sample, share in (("audit", 0.25), ("deployment", 0.45)):
        of = million[million["sample"] == sample]
        _within(int((of["victim_group"] == "B").sum()), len(of), share, f"group B, {sample}")
    _within(int((million["victim_age_band"] == "65 and over").sum()), MILLION, OLDER_SHARE,
            "victims 65 and over")


def test_area_clearance_is_a_proxy_of_the_stated_strength(million):
    audit = million[million["sample"] == "audit"]
    area = _logit(audit["area_clearance_rate"])
    is_b = (audit["victim_group"] == "B").to_numpy()
    _mean_difference_within(area[~is_b], area[is_b], 1.0, "proxy_gap")
    assert area[~is_b].mean() == pytest.approx(AREA_MEAN_A, abs=0.01)
    # Two normals one proxy_gap apart with sd AREA_SD: AUC = Phi(gap / (sd * sqrt 2)) = 0.921.
    expected_auc = norm.cdf(1.0 / (AREA_SD * np.sqrt(2)))
    assert roc_auc_score(is_b, -area) == pytest.approx(expected_auc, abs=0.005)


def test_no_proxy_when_the_gap_is_zero():
    cases = datasets.generate("burglary_cases", rows=200_000, seed=9, proxy_gap=0.0)
    audit = cases[cases["sample"] == "audit"]
    auc = roc_auc_score(audit["victim_group"] == "B", audit["area_clearance_rate"])
    assert auc == pytest.approx(0.5, abs=0.01)


def test_evidence_does_not_depend_on_group(million):
    audit = million[million["sample"] == "audit"]
    for feature in [*EVIDENCE_SHARES, "report_delay_hours", "property_value_eur"]:
        values = np.log1p(audit[feature]) if feature in ("report_delay_hours",
                                                        "property_value_eur") else audit[feature]
        a = values[audit["victim_group"] == "A"]
        b = values[audit["victim_group"] == "B"]
        se = np.sqrt(a.var() / len(a) + b.var() / len(b))
        assert abs(a.mean() - b.mean()) < Z * se, feature


def test_older_victims_describe_suspects_less_often_and_report_later(million):
    audit = million[million["sample"] == "audit"]
    older = audit[audit["victim_age_band"] == "65 and over"]
    younger = audit[audit["victim_age_band"] == "under 65"]
    _within(int(older["suspect_described"].sum()), len(older), OLDER_SUSPECT_DESCRIBED, "older")
    _within(int(younger["suspect_described"].sum()), len(younger),
            EVIDENCE_SHARES["suspect_described"], "younger")
    for of, factor in ((younger, 1.0), (older, OLDER_DELAY_FACTOR)):
        assert of["report_delay_hours"].median() == pytest.approx(DELAY_MEDIAN_HOURS * factor,
                                                                  rel=0.02)


def test_truth_has_the_stated_weights_and_ignores_group_and_area(million):
    audit = million[million["sample"] == "audit"].sample(300_000, random_state=1)
    inputs = pd.DataFrame({name: audit[name] for name in EVIDENCE_SHARES})
    inputs["log2_delay"] = np.log2(1 + audit["report_delay_hours"])
    inputs["area_logit"] = _logit(audit["area_clearance_rate"])
    inputs["group_b"] = (audit["victim_group"] == "B").astype(int)
    model = LogisticRegression(C=1e6, max_iter=2000).fit(inputs, audit["solved"].astype(int))
    weights = dict(zip(inputs.columns, model.coef_[0], strict=True))
    for name in [*EVIDENCE_SHARES, "log2_delay"]:
        assert weights[name] == pytest.approx(TRUTH_WEIGHTS[name], abs=0.05), name
    assert abs(weights["area_logit"]) < 0.05
    assert abs(weights["group_b"]) < 0.05


def test_area_truth_weight_enters_the_truth():
    cases = datasets.generate("burglary_cases", rows=300_000, seed=5, area_truth_weight=0.5,
                              deployment_share=0.01)
    audit = cases[cases["sample"] == "audit"]
    inputs = pd.DataFrame({name: audit[name] for name in EVIDENCE_SHARES})
    inputs["log2_delay"] = np.log2(1 + audit["report_delay_hours"])
    inputs["area_logit"] = _logit(audit["area_clearance_rate"])
    model = LogisticRegression(C=1e6, max_iter=2000).fit(inputs, audit["solved"].astype(int))
    assert model.coef_[0][-1] == pytest.approx(0.5, abs=0.06)


def test_both_groups_are_solved_at_the_same_rate(million):
    audit = million[million["sample"] == "audit"]
    rates = audit.groupby("victim_group")["solved"].agg(["mean", "size"])
    a, b = rates.loc["A"], rates.loc["B"]
    pooled = audit["solved"].mean()
    se = np.sqrt(pooled * (1 - pooled) * (1 / a["size"] + 1 / b["size"]))
    assert abs(a["mean"] - b["mean"]) < Z * se


def test_deployment_sample_is_shifted_by_the_stated_sizes(million):
    audit = million[million["sample"] == "audit"]
    deployed = million[million["sample"] == "deployment"]
    _within(int(deployed["cctv_available"].sum()), len(deployed), 0.45, "deployment CCTV")
    _within(int(audit["cctv_available"].sum()), len(audit), EVIDENCE_SHARES["cctv_available"],
            "audit CCTV")
    for band in ("under 65", "65 and over"):
        ratio = (deployed.loc[deployed["victim_age_band"] == band, "report_delay_hours"].median()
                 / audit.loc[audit["victim_age_band"] == band, "report_delay_hours"].median())
        assert ratio == pytest.approx(2.0, rel=0.03), band
    for group in ("A", "B"):
        before = _logit(audit.loc[audit["victim_group"] == group, "area_clearance_rate"])
        after = _logit(deployed.loc[deployed["victim_group"] == group, "area_clearance_rate"])
        _mean_difference_within(after, before, -0.6, f"area shift, group {group}")


def test_no_shift_when_the_deployment_parameters_match_the_audit():
    cases = datasets.generate("burglary_cases", rows=200_000, seed=6, deployment_share_b=0.25,
                              deployment_area_shift=0.0, deployment_cctv_share=0.25,
                              deployment_delay_factor=1.0)
    audit = cases["sample"] == "audit"
    for feature in ("area_clearance_rate", "report_delay_hours", "cctv_available"):
        auc = roc_auc_score(~audit, cases[feature])
        assert auc == pytest.approx(0.5, abs=0.01), feature


def test_vendor_misses_more_of_group_bs_solvable_cases_through_the_proxy(million):
    audit = million[million["sample"] == "audit"]
    (fnr_a, n_a), (fnr_b, n_b) = (_fnr(audit[audit["victim_group"] == g]) for g in "AB")
    se = np.sqrt(fnr_a * (1 - fnr_a) / n_a + fnr_b * (1 - fnr_b) / n_b)
    assert fnr_b - fnr_a == pytest.approx(FNR_GAP, abs=max(Z * se, 0.01))
    # Within each group the vendor ranks cases about equally well: the gap is in the threshold.
    aucs = [roc_auc_score(g["solved"], g["score"]) for _, g in audit.groupby("victim_group")]
    assert abs(aucs[0] - aucs[1]) < 0.01


def test_without_the_proxy_the_gap_in_missed_cases_closes():
    cases = datasets.generate("burglary_cases", rows=400_000, seed=8, proxy_gap=0.0)
    cases["score"] = solvability.predict(cases)
    audit = cases[cases["sample"] == "audit"]
    (fnr_a, n_a), (fnr_b, n_b) = (_fnr(audit[audit["victim_group"] == g]) for g in "AB")
    se = np.sqrt(fnr_a * (1 - fnr_a) / n_a + fnr_b * (1 - fnr_b) / n_b)
    assert abs(fnr_b - fnr_a) < Z * se


def test_vendor_claims_that_hold_and_the_one_that_does_not(million):
    audit = million[million["sample"] == "audit"]
    # "AUC 0.75 on independent validation data": holds on the audit sample.
    assert roc_auc_score(audit["solved"], audit["score"]) == pytest.approx(0.76, abs=0.01)
    # "Cases scoring 0.5 or more are solved at more than twice the average rate": holds.
    flagged = audit["score"] >= solvability.RECOMMENDED_THRESHOLD
    for _, group in audit.groupby("victim_group"):
        flagged_g = group["score"] >= solvability.RECOMMENDED_THRESHOLD
        assert group.loc[flagged_g, "solved"].mean() > 2 * group["solved"].mean()
    # "A score of 0.6 means a 60 % chance": does not hold; the scores are too high.
    band = audit[(audit["score"] >= 0.55) & (audit["score"] < 0.65)]
    assert band["solved"].mean() < 0.45
    assert audit["score"].mean() > audit["solved"].mean() + 0.08
    assert flagged.mean() > 0.15


def test_vendor_flags_fewer_cases_in_the_shifted_deployment_sample(million):
    threshold = solvability.RECOMMENDED_THRESHOLD
    by_sample = (million["score"] >= threshold).groupby(million["sample"]).mean()
    assert by_sample["deployment"] < 0.6 * by_sample["audit"]
    deployed = million[million["sample"] == "deployment"]
    audit = million[million["sample"] == "audit"]
    # The truth, which nobody has at deployment: more solvable cases are missed there.
    assert _fnr(deployed)[0] > _fnr(audit)[0] + 0.1


def test_a_million_cases_are_generated_quickly_enough_to_be_useful():
    # Not a timing assert (benchmarks time things): only that the size is supported.
    cases = datasets.generate("burglary_cases", rows=MILLION, seed=1)
    assert len(cases) == MILLION


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ({"deployment_share": 0.0}, "deployment_share must be strictly between 0 and 1"),
        ({"deployment_share": 1.0}, "deployment_share must be strictly between 0 and 1"),
        ({"share_b": 1.5}, "share_b must be a probability between 0 and 1"),
        ({"deployment_share_b": -0.1}, "deployment_share_b must be a probability"),
        ({"proxy_gap": float("nan")}, "proxy_gap must be a finite number"),
        ({"area_truth_weight": float("inf")}, "area_truth_weight must be a finite number"),
        ({"deployment_area_shift": float("nan")}, "deployment_area_shift must be a finite"),
        ({"deployment_cctv_share": 2}, "deployment_cctv_share must be a probability"),
        ({"deployment_delay_factor": 0}, "deployment_delay_factor must be a number > 0"),
        ({"reveal_deployment_outcomes": "yes"}, "reveal_deployment_outcomes must be True or"),
    ],
)
def test_bad_effects_raise_clear_errors(effects, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("burglary_cases", rows=10, seed=0, **effects)


def test_datasheet_figures_match_the_committed_data():
    cases = datasets.load("burglary_cases")
    cases["score"] = solvability.predict(cases)
    computed = {}
    for group in ("A", "B"):
        of = cases[cases["victim_group"] == group]
        audit = of[of["sample"] == "audit"]
        deployed = of[of["sample"] == "deployment"]
        flagged = audit["score"] >= solvability.RECOMMENDED_THRESHOLD
        computed[group] = {
            "audit cases": f"{len(audit)}",
            "deployment cases": f"{len(deployed)}",
            "solved (audit)": f"{audit['solved'].mean():.3f}",
            "median area_clearance_rate (audit)": f"{audit['area_clearance_rate'].median():.3f}",
            "flagged by TriageScore (audit)": f"{flagged.mean():.3f}",
            "solved cases not flagged (audit)": f"{_fnr(audit)[0]:.3f}",
            "flagged by TriageScore (deployment)":
                f"{(deployed['score'] >= solvability.RECOMMENDED_THRESHOLD).mean():.3f}",
        }
    assert_group_table_matches("burglary_cases", computed)
