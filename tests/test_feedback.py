"""The urn model of Ensign et al. (2018): runaway without correction, truth with it."""

import numpy as np
import pytest

from rail.feedback import patrol_day, simulate_patrols, visit_probabilities

DAYS, CITIES = 3000, 300


def test_equal_rates_settle_at_a_random_limit_not_the_truth():
    final = simulate_patrols((0.3, 0.3), days=DAYS, seed=1, cities=CITIES).shares[-1, :, 0]
    assert final.mean() == pytest.approx(0.5, abs=0.05)  # symmetric on average...
    assert final.std() > 0.2  # ...but each city ends far from 0.5 (uniform limit: sd 0.29)


def test_unequal_rates_run_away_towards_the_higher_rate():
    final = simulate_patrols((0.4, 0.2), days=DAYS, seed=2, cities=CITIES).shares[-1, :, 0]
    assert final.mean() > 0.9  # truth is 2/3


def test_correction_recovers_the_true_rates():
    for rates in [(0.3, 0.3), (0.4, 0.2), (0.1, 0.3, 0.2)]:
        history = simulate_patrols(rates, days=DAYS, seed=3, cities=CITIES, corrected=True,
                                   initial_counts=np.arange(len(rates), 0, -1))
        np.testing.assert_allclose(history.shares[-1].mean(axis=0), history.true_shares,
                                   atol=0.02)


def test_biased_history_persists_without_correction():
    history = simulate_patrols((0.3, 0.3), days=DAYS, seed=4, cities=CITIES,
                               initial_counts=(10, 2))
    assert history.shares[-1, :, 0].mean() > 0.75


def test_reports_pull_towards_the_truth():
    biased = dict(days=DAYS, seed=5, cities=CITIES, initial_counts=(10, 2))
    without = simulate_patrols((0.3, 0.3), **biased).shares[-1, :, 0].mean()
    with_reports = simulate_patrols((0.3, 0.3), reporting_rate=0.5, **biased)
    assert abs(with_reports.shares[-1, :, 0].mean() - 0.5) < abs(without - 0.5) / 2


def test_an_offence_found_by_the_patrol_is_not_also_reported():
    rng = np.random.default_rng(6)
    counts = np.tile([1.0, 0.0], (20000, 1))  # every patrol goes to region 0
    added = patrol_day(counts, (1.0, 1.0), rng, reporting_rate=0.5) - counts
    assert (added[:, 0] == 1).all()  # discovered once, never counted again as a report
    assert added[:, 1].mean() == pytest.approx(0.5, abs=0.01)  # not discovered: reported half


@pytest.mark.parametrize("corrected", [False, True])
def test_with_every_offence_reported_each_is_recorded_exactly_once(corrected):
    rng = np.random.default_rng(7)
    counts = np.tile([5.0, 2.0, 1.0], (1000, 1))
    added = patrol_day(counts, (1.0, 1.0, 1.0), rng, corrected=corrected, reporting_rate=1.0)
    np.testing.assert_array_equal(added - counts, 1.0)


def test_complete_reporting_removes_the_runaway():
    history = simulate_patrols((0.4, 0.2), days=DAYS, seed=8, cities=CITIES, reporting_rate=1.0,
                               initial_counts=(2, 10))
    assert history.shares[-1, :, 0].mean() == pytest.approx(2 / 3, abs=0.02)


@pytest.mark.parametrize("reporting_rate", [0.2, 0.6])
def test_correction_with_reports_recovers_the_true_rates(reporting_rate):
    history = simulate_patrols((0.4, 0.2), days=DAYS, seed=10, cities=CITIES, corrected=True,
                               reporting_rate=reporting_rate, initial_counts=(2, 10))
    np.testing.assert_allclose(history.shares[-1].mean(axis=0), history.true_shares, atol=0.02)


def test_reports_without_correction_still_leave_a_runaway():
    final = simulate_patrols((0.4, 0.2), days=DAYS, seed=11, cities=CITIES,
                             reporting_rate=0.5).shares[-1, :, 0]
    assert 2 / 3 + 0.03 < np.median(final) < 0.95  # weaker than without reports, not gone


def test_same_seed_same_history():
    a = simulate_patrols((0.2, 0.4), days=50, seed=9, cities=3).counts
    b = simulate_patrols((0.2, 0.4), days=50, seed=9, cities=3).counts
    np.testing.assert_array_equal(a, b)


def test_one_day_adds_at_most_one_discovery_in_the_visited_region():
    rng = np.random.default_rng(0)
    counts = np.full((1000, 3), 2.0)
    new = patrol_day(counts, (1.0, 1.0, 1.0), rng)
    added = new - counts
    assert set(np.unique(added)) == {0.0, 1.0}
    assert (added.sum(axis=1) == 1).all()  # rate 1: the visited region always records one


def test_visits_follow_the_counts():
    rng = np.random.default_rng(1)
    counts = np.tile([3.0, 1.0], (20000, 1))
    added = patrol_day(counts, (1.0, 1.0), rng) - counts
    assert added[:, 0].mean() == pytest.approx(0.75, abs=0.01)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: visit_probabilities([0, 0]), "positive total"),
        (lambda: simulate_patrols((0.5,), days=5, seed=0), "at least two regions"),
        (lambda: simulate_patrols((0.5, 1.5), days=5, seed=0), "between 0 and 1"),
        (lambda: simulate_patrols((0.5, 0.5), days=0, seed=0), "days must be a positive"),
        (lambda: simulate_patrols((0.5, 0.5), days=5, seed=0, initial_counts=(1, 2, 3)),
         "one count per region"),
        (lambda: patrol_day(np.ones((2, 3)), (0.1, 0.2), np.random.default_rng(0)),
         r"shape \(cities, 2\)"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()
