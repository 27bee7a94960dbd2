"""Unit tests of rail.mitigation: bootstrap intervals of options and the Pareto front."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import equalized_odds_difference
from sklearn.metrics import accuracy_score

from rail import mitigation


@pytest.fixture
def cohort():
    rng = np.random.default_rng(3)
    n = 4000
    groups = np.where(rng.random(n) < 0.4, "B", "A")
    y = (rng.random(n) < np.where(groups == "B", 0.5, 0.4)).astype(int)
    noisy = np.where(rng.random(n) < 0.3, 1 - y, y)
    fairer = np.where((groups == "B") & (rng.random(n) < 0.1), 0, noisy)
    return y, groups, {"noisy": noisy, "fairer": fairer}


def test_estimates_match_fairlearn_and_scikit_learn(cohort):
    y, groups, decisions = cohort
    table = mitigation.bootstrap_metrics(y, decisions, groups, resamples=5, seed=0)
    for option, flags in decisions.items():
        assert table.loc["estimate", ("accuracy", option)] == pytest.approx(
            accuracy_score(y, flags), abs=1e-12)
        assert table.loc["estimate", ("equalized odds difference", option)] == pytest.approx(
            equalized_odds_difference(y, flags, sensitive_features=groups), abs=1e-12)


def test_three_groups_match_fairlearn():
    rng = np.random.default_rng(8)
    groups = rng.choice(["X", "Y", "Z"], size=900)
    y = rng.integers(0, 2, 900)
    flags = rng.integers(0, 2, 900)
    table = mitigation.bootstrap_metrics(y, {"f": flags}, groups, resamples=2, seed=0)
    assert table.loc["estimate", ("equalized odds difference", "f")] == pytest.approx(
        equalized_odds_difference(y, flags, sensitive_features=groups), abs=1e-12)


def test_resamples_are_seeded_and_paired(cohort):
    y, groups, decisions = cohort
    first = mitigation.bootstrap_metrics(y, decisions, groups, resamples=50, seed=7)
    again = mitigation.bootstrap_metrics(y, decisions, groups, resamples=50, seed=7)
    other = mitigation.bootstrap_metrics(y, decisions, groups, resamples=50, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    # The same option twice: paired differences are exactly zero on every resample.
    twice = mitigation.bootstrap_metrics(y, {"a": decisions["noisy"], "b": decisions["noisy"]},
                                         groups, resamples=20, seed=1)
    assert mitigation.difference_interval(twice, "accuracy", "a", "b") == (0.0, 0.0, 0.0)


def test_intervals_contain_the_estimate_and_shrink_with_more_people(cohort):
    y, groups, decisions = cohort
    table = mitigation.intervals(
        mitigation.bootstrap_metrics(y, decisions, groups, resamples=300, seed=2))
    assert list(table.columns.get_level_values(0).unique()) == list(mitigation.METRICS)
    for metric in mitigation.METRICS:
        assert (table[(metric, "low")] <= table[(metric, "estimate")]).all()
        assert (table[(metric, "estimate")] <= table[(metric, "high")]).all()
    width = table[("accuracy", "high")] - table[("accuracy", "low")]
    # About 4 standard errors of a proportion near 0.7 on 4,000 people.
    assert 0.02 < width["noisy"] < 0.04
    small = mitigation.intervals(mitigation.bootstrap_metrics(
        y[:400], {k: v[:400] for k, v in decisions.items()}, groups[:400], resamples=300, seed=2))
    assert (small[("accuracy", "high")] - small[("accuracy", "low")])["noisy"] > 2 * width["noisy"]


def test_paired_difference_finds_a_real_difference(cohort):
    y, groups, decisions = cohort
    resampled = mitigation.bootstrap_metrics(y, decisions, groups, resamples=300, seed=4)
    estimate, low, high = mitigation.difference_interval(
        resampled, "equalized odds difference", "noisy", "fairer")
    assert low <= estimate <= high
    with pytest.raises(KeyError):
        mitigation.difference_interval(resampled, "accuracy", "noisy", "nothing")


@pytest.mark.parametrize("bad, message", [
    ({"decisions": {}}, "at least one option"),
    ({"resamples": 0}, "resamples"),
    ({"y_true": [0, 2, 1, 0]}, "only 0 and 1"),
    ({"groups": ["A", "A", "A", "A"]}, "two groups"),
    ({"groups": ["A", "B", "A"]}, "one per person"),
    ({"decisions": {"short": [1, 0]}}, "one per person"),
    ({"y_true": [1, 1, 0, 0], "groups": ["A", "A", "B", "B"]}, "both outcomes"),
])
def test_bad_input_gets_a_clear_message(bad, message):
    arguments = {"y_true": [0, 1, 1, 0], "decisions": {"d": [0, 1, 0, 1]},
                 "groups": ["A", "A", "B", "B"], "resamples": 3}
    arguments.update(bad)
    with pytest.raises(ValueError, match=message):
        mitigation.bootstrap_metrics(arguments.pop("y_true"), arguments.pop("decisions"),
                                     arguments.pop("groups"), **arguments)


def test_intervals_refuse_a_bad_level(cohort):
    y, groups, decisions = cohort
    resampled = mitigation.bootstrap_metrics(y, decisions, groups, resamples=3, seed=0)
    with pytest.raises(ValueError, match="level"):
        mitigation.intervals(resampled, level=95)


def test_pareto_front_keeps_the_unbeaten_rows_in_order():
    table = pd.DataFrame({
        "accuracy": [0.70, 0.68, 0.66, 0.66, 0.60, 0.65],
        "equalized odds difference": [0.30, 0.10, 0.10, 0.05, 0.00, 0.20],
    }, index=list("abcdef"))
    front = mitigation.pareto_front(table)
    assert list(front.index) == ["e", "d", "b", "a"]  # c is beaten by b, f by b
    with pytest.raises(KeyError, match="no column"):
        mitigation.pareto_front(table, lower_is_better="gap")
