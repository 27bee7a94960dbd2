"""Unit tests of rail.fairness: calibration tables, Wilson intervals, group colours."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from rail import datasets, fairness, plotting


@pytest.fixture(autouse=True)
def _restore_matplotlib():
    with matplotlib.rc_context():
        yield
    plt.close("all")


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame({
        "group": ["A", "A", "A", "B", "B", "A"],
        "score": [1, 1, 2, 1, 2, 2],
        "outcome": [0, 1, 1, 0, 1, 1],
    })


def test_group_colours_follow_the_palette_in_order():
    assert fairness.group_colours(["A", "B"]) == {"A": plotting.PALETTE[0],
                                                  "B": plotting.PALETTE[1]}
    assert list(fairness.group_colours([2, 1])) == ["2", "1"]


@pytest.mark.parametrize("groups", [[], ["A", "A"], [str(i) for i in range(9)]])
def test_group_colours_refuses_bad_groups(groups):
    with pytest.raises(ValueError):
        fairness.group_colours(groups)


def test_wilson_interval_known_values():
    # 5 of 10 gives 0.2366 to 0.7634 (95 %); 0 of 10 starts at exactly 0.
    low, high = fairness.wilson_interval(np.array([5, 0]), np.array([10, 10]))
    np.testing.assert_allclose(low, [0.236593, 0.0], atol=1e-6)
    np.testing.assert_allclose(high, [0.763407, 0.277533], atol=1e-6)


def test_wilson_interval_contains_the_rate_and_narrows_with_n():
    low_small, high_small = fairness.wilson_interval(30, 100)
    low_big, high_big = fairness.wilson_interval(3000, 10000)
    assert low_small < 0.3 < high_small
    assert low_big < 0.3 < high_big
    assert (high_big - low_big) < (high_small - low_small) / 5


def test_wilson_interval_ends_exactly_at_0_and_1_for_none_and_all():
    # Rounding once left the lower end of 0 of 37 at 5.6e-17, above the rate itself.
    trials = np.arange(1, 201)
    low, _ = fairness.wilson_interval(np.zeros_like(trials), trials)
    _, high = fairness.wilson_interval(trials, trials)
    assert (low == 0).all()
    assert (high == 1).all()


def test_wilson_interval_of_scalars_is_scalar():
    # Lessons put the ends of one interval into a table and round it: they must be numbers.
    low, high = fairness.wilson_interval(3, 10)
    assert np.ndim(low) == 0 and isinstance(round(low, 2) + round(high, 2), float)
    assert isinstance(low, np.floating) and isinstance(high, np.floating)


@pytest.mark.parametrize(("k", "n"), [(-1, 10), (11, 10), (0, 0)])
def test_wilson_interval_refuses_impossible_counts(k, n):
    with pytest.raises(ValueError):
        fairness.wilson_interval(k, n)


def test_calibration_table_counts_and_rates(small):
    table = fairness.calibration_by_group(small, score="score", outcome="outcome", group="group")
    assert list(table.columns) == fairness.CALIBRATION_COLUMNS
    assert list(table.index) == [("A", 1), ("A", 2), ("B", 1), ("B", 2)]
    np.testing.assert_array_equal(table["people"], [2, 2, 1, 1])
    np.testing.assert_array_equal(table["outcomes"], [1, 2, 0, 1])
    np.testing.assert_allclose(table["observed_rate"], [0.5, 1.0, 0.0, 1.0])
    assert (table["low"] <= table["observed_rate"]).all()
    assert (table["observed_rate"] <= table["high"]).all()


def test_calibration_table_accepts_boolean_outcomes(small):
    as_bool = small.assign(outcome=small["outcome"].astype(bool))
    expected = fairness.calibration_by_group(small, score="score", outcome="outcome",
                                             group="group")
    got = fairness.calibration_by_group(as_bool, score="score", outcome="outcome", group="group")
    pd.testing.assert_frame_equal(got, expected)


def test_calibration_table_on_the_course_data_matches_a_direct_count():
    people = datasets.load("risk_assessment")
    table = fairness.calibration_by_group(people, score="risk_score", outcome="rearrest_2y",
                                          group="group")
    assert table["people"].sum() == len(people)
    direct = people.groupby(["group", "risk_score"])["rearrest_2y"].mean()
    np.testing.assert_allclose(table["observed_rate"], direct.loc[table.index])


def test_calibration_table_refuses_bad_input(small):
    with pytest.raises(KeyError):
        fairness.calibration_by_group(small, score="nope", outcome="outcome", group="group")
    with pytest.raises(ValueError):
        fairness.calibration_by_group(small.iloc[:0], score="score", outcome="outcome",
                                      group="group")
    with pytest.raises(ValueError):
        fairness.calibration_by_group(small.assign(outcome=[0, 1, 2, 0, 1, 1]), score="score",
                                      outcome="outcome", group="group")
    with pytest.raises(ValueError):
        fairness.calibration_by_group(small.assign(score=[1, None, 2, 1, 2, 2]),
                                      score="score", outcome="outcome", group="group")


def test_plot_draws_one_labelled_line_per_group(small):
    table = fairness.calibration_by_group(small, score="score", outcome="outcome", group="group")
    ax = fairness.plot_calibration_by_group(table, title="T", xlabel="Score (1-10)",
                                            ylabel="Observed rate (0-1)")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T", "Score (1-10)",
                                                                  "Observed rate (0-1)")
    data_lines = [container.lines[0] for container in ax.containers]  # one errorbar per group
    assert len(data_lines) == 2
    np.testing.assert_allclose(data_lines[0].get_ydata(), [0.5, 1.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["group A", "group B"]
    colours = [line.get_color() for line in data_lines]
    assert colours == [plotting.PALETTE[0], plotting.PALETTE[1]]


def test_plot_needs_texts_a_proper_table_and_a_colour_per_group(small):
    table = fairness.calibration_by_group(small, score="score", outcome="outcome", group="group")
    with pytest.raises(ValueError):
        fairness.plot_calibration_by_group(table, title="", xlabel="x", ylabel="y")
    with pytest.raises(ValueError):
        fairness.plot_calibration_by_group(table.drop(columns="low"), title="t", xlabel="x",
                                           ylabel="y")
    with pytest.raises(ValueError):
        fairness.plot_calibration_by_group(table, title="t", xlabel="x", ylabel="y",
                                           colours={"A": "#000000"})
