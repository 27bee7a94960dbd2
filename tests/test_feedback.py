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
