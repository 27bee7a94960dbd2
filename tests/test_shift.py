"""Unit tests of rail.shift: PSI, per-feature shift and the domain classifier."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from rail import datasets, shift


def test_psi_of_identical_samples_is_zero_and_grows_with_the_shift():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=50_000)
    assert shift.population_stability_index(reference, reference) == 0.0
    values = [shift.population_stability_index(reference, rng.normal(loc=m, size=50_000))
              for m in (0.0, 0.2, 0.5, 1.0)]
    assert values[0] < 0.01
    assert values == sorted(values)
    assert values[-1] > 0.25


def test_psi_matches_the_formula_on_a_binary_feature():
    # 0/1 feature: two bins. Shares 0.75/0.25 -> 0.5/0.5.
    reference = [0, 0, 0, 1] * 25
    current = [0, 1] * 50
    expected = (0.5 - 0.75) * np.log(0.5 / 0.75) + (0.5 - 0.25) * np.log(0.5 / 0.25)
    assert shift.population_stability_index(reference, current) == pytest.approx(expected)


def test_psi_stays_finite_when_a_bin_empties():
    value = shift.population_stability_index([0, 1] * 50, [0] * 100)
    assert np.isfinite(value) and value > 1


@pytest.mark.parametrize(("reference", "current", "bins", "message"), [
    ([], [1.0], 10, "reference must be a non-empty"),
    ([1.0, np.nan], [1.0], 10, "reference has missing or infinite values"),
    ([1.0], [np.inf], 10, "current has missing or infinite values"),
    ([1.0], [1.0], 1, "bins must be a whole number >= 2"),
])
def test_psi_bad_input(reference, current, bins, message):
    with pytest.raises(ValueError, match=message):
        shift.population_stability_index(reference, current, bins=bins)


@pytest.fixture(scope="module")
def samples():
    cases = datasets.generate("burglary_cases", rows=20_000, seed=3)
    return cases[cases["sample"] == "audit"], cases[cases["sample"] == "deployment"]


FEATURES = ["forensic_material", "cctv_available", "report_delay_hours", "area_clearance_rate"]


def test_feature_shift_ranks_the_moved_features_first_and_agrees_with_scipy(samples):
    audit, deployed = samples
    table = shift.feature_shift(audit, deployed, FEATURES)
    assert list(table.columns) == shift.SHIFT_COLUMNS
    assert table.index[0] == "area_clearance_rate"
    assert table.loc["forensic_material", "psi"] < 0.01
    assert table.loc["cctv_available", "psi"] > 0.1
    ks = ks_2samp(audit["report_delay_hours"], deployed["report_delay_hours"]).statistic
    assert table.loc["report_delay_hours", "ks"] == pytest.approx(ks)
    assert table.loc["cctv_available", "current_mean"] == pytest.approx(
        deployed["cctv_available"].mean())


def test_feature_shift_names_missing_features(samples):
    audit, deployed = samples
    with pytest.raises(ValueError, match=r"feature\(s\) \['nope'\] missing"):
        shift.feature_shift(audit, deployed, ["witness", "nope"])


def test_domain_classifier_finds_the_shift_and_not_its_absence(samples):
    audit, deployed = samples
    found = shift.domain_classifier_auc(audit, deployed, FEATURES, seed=1)
    assert found.low > 0.7
    assert found.low <= found.auc <= found.high
    assert found.train_rows + found.test_rows == len(audit) + len(deployed)
    halves = audit.iloc[::2], audit.iloc[1::2]
    none = shift.domain_classifier_auc(*halves, FEATURES, seed=1)
    assert none.low < 0.5
    assert none.auc < 0.56


def test_domain_classifier_is_deterministic_and_checks_input(samples):
    audit, deployed = samples
    first = shift.domain_classifier_auc(audit, deployed, FEATURES, seed=4)
    assert shift.domain_classifier_auc(audit, deployed, FEATURES, seed=4) == first
    with pytest.raises(ValueError, match="at least 10 rows"):
        shift.domain_classifier_auc(audit.head(5), deployed, FEATURES)
    gappy = deployed.assign(report_delay_hours=np.nan)
    with pytest.raises(ValueError, match="missing or infinite"):
        shift.domain_classifier_auc(audit, gappy, FEATURES)
    with pytest.raises(ValueError, match="missing from one of the two tables"):
        shift.domain_classifier_auc(audit, pd.DataFrame({"witness": [1] * 20}), FEATURES)
