"""The runaway feedback loop of hotspot patrolling, as a Pólya urn.

Ensign, Friedler, Neville, Scheidegger and Venkatasubramanian (2018), "Runaway feedback loops
in predictive policing", Proceedings of Machine Learning Research 81 (FAT* 2018), model
predictive patrolling as an urn. Each region has a count of past discovered incidents. Every
day, one patrol goes to a region with probability equal to that region's share of the counts;
if an offence happens there that day (probability = the region's true rate), the patrol
discovers it and the count grows. Records only grow where patrols go, so the allocation can
drift away from the truth:

* with equal true rates, the shares settle at a random limit set by early luck, not at equal
  shares;
* with unequal true rates, the region with the higher rate takes (almost) every patrol.

Their correction: accept a discovered incident with probability inversely proportional to the
probability of having been sent there (here ``min(p) / p[region]``). Then each region's counts
grow in proportion to its true rate, and the shares converge to the true relative rates.

Offences can also be *reported* by the public (``reporting_rate``), wherever the patrol is. As
in the ``patrol_city`` dataset, each offence is recorded at most once: an offence the patrol
discovers is not reported again, and an offence the patrol did not discover is reported with
probability ``reporting_rate``. So with ``reporting_rate=1`` every offence is recorded exactly
once and the records match the truth; below 1, the discovered incidents still feed the loop.
With reports, the correction keeps a discovery with probability
``r + (1 - r) * min(p) / p[region]`` (``r`` the reporting rate): then each region's expected new
records per day are ``true_rate * (r + (1 - r) * min(p))``, in proportion to its true rate, as
without reports. With ``r = 0`` this is exactly Ensign et al.'s correction; the extension to
reports is this package's, derived from the same argument, and it needs the reporting rate,
which in real data is not known.

All functions work on many independent cities at once (the leading axis), for speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


def _as_rates(true_rates: ArrayLike) -> np.ndarray:
    rates = np.asarray(true_rates, dtype=float)
    if rates.ndim != 1 or rates.size < 2:
        raise ValueError("true_rates needs one rate per region, for at least two regions")
    if np.any((rates < 0) | (rates > 1)) or not np.all(np.isfinite(rates)):
        raise ValueError(f"true_rates are daily probabilities between 0 and 1, got {rates}")
    return rates


def visit_probabilities(counts: ArrayLike) -> np.ndarray:
    """Probability of sending the patrol to each region: its share of the counts.

    ``counts`` has shape ``(regions,)`` or ``(cities, regions)``; every city needs a positive
    total.
    """
    counts = np.asarray(counts, dtype=float)
    totals = counts.sum(axis=-1, keepdims=True)
    if np.any(counts < 0) or np.any(totals <= 0):
        raise ValueError("counts must be >= 0 with a positive total in every city")
    return counts / totals


def patrol_day(
    counts: np.ndarray,
    true_rates: ArrayLike,
    rng: np.random.Generator,
    *,
    corrected: bool = False,
    reporting_rate: float = 0.0,
) -> np.ndarray:
    """Advance every city in ``counts`` (shape ``(cities, regions)``) by one day.

    One patrol per city goes to a region drawn with :func:`visit_probabilities`; an offence
    occurs in each region with probability ``true_rates``. The patrol discovers the offence in
    the region it visits. Every offence the patrol did not discover (in the other regions) is
    reported, and recorded, with probability ``reporting_rate``; a discovered offence is not
    reported again, so each offence is recorded at most once, as in ``patrol_city``.

    With ``corrected`` a discovery is recorded only with probability
    ``r + (1 - r) * min(p) / p[visited]``, ``r`` being ``reporting_rate``: Ensign et al.'s
    ``min(p) / p[visited]`` when nothing is reported, adjusted so that with reports each
    region's expected new records stay in proportion to its true rate (see the module
    docstring). Returns the new counts (a new array).
    """
    rates = _as_rates(true_rates)
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != rates.size:
        raise ValueError(
            f"counts must have shape (cities, {rates.size}), got {counts.shape}"
        )
    if not 0.0 <= reporting_rate <= 1.0:
        raise ValueError(f"reporting_rate must be between 0 and 1, got {reporting_rate}")
    cities = counts.shape[0]
    p = visit_probabilities(counts)
    visited = (p.cumsum(axis=1) < rng.random((cities, 1))).sum(axis=1)
    visited = np.minimum(visited, rates.size - 1)  # guard against cumsum rounding below 1
    offence = rng.random((cities, rates.size)) < rates
    rows = np.arange(cities)
    discovered = offence[rows, visited]
    recorded_discoveries = discovered.copy()
    if corrected:
        keep = reporting_rate + (1 - reporting_rate) * p.min(axis=1) / p[rows, visited]
        recorded_discoveries &= rng.random(cities) < keep
    new = counts.copy()
    new[rows, visited] += recorded_discoveries
    if reporting_rate > 0:
        not_discovered = offence.copy()
        not_discovered[rows, visited] = False  # found by the patrol: not reported again
        new += not_discovered & (rng.random((cities, rates.size)) < reporting_rate)
    return new


@dataclass(frozen=True)
class PatrolHistory:
    """Counts of recorded incidents over time: ``counts[day, city, region]`` (day 0 = start)."""

    counts: np.ndarray
    true_rates: np.ndarray

    @property
    def shares(self) -> np.ndarray:
        """Each region's share of recorded incidents, ``[day, city, region]``."""
        return self.counts / self.counts.sum(axis=-1, keepdims=True)

    @property
    def true_shares(self) -> np.ndarray:
        """The shares the allocation should reach: the true rates, normalised."""
        return self.true_rates / self.true_rates.sum()


def simulate_patrols(
    true_rates: ArrayLike,
    *,
    days: int,
    seed: int,
    cities: int = 1,
    initial_counts: ArrayLike | None = None,
    corrected: bool = False,
    reporting_rate: float = 0.0,
) -> PatrolHistory:
    """Simulate ``cities`` independent cities for ``days`` days of urn-driven patrolling.

    Parameters
    ----------
    true_rates:
        Daily probability of an offence in each region.
    days:
        Number of days to simulate.
    seed:
        Random seed; the same arguments give the same history.
    cities:
        Number of independent repetitions, to show the spread of outcomes.
    initial_counts:
        The historic records the system starts from (one per region); defaults to one each.
        Uneven historic patrolling shows here as uneven starting counts.
    corrected:
        Apply Ensign et al.'s correction (see :func:`patrol_day`).
    reporting_rate:
        Probability that an offence the patrol did not discover is reported by the public,
        wherever the patrol is. Each offence is recorded at most once.
    """
    rates = _as_rates(true_rates)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive whole number, got {days!r}")
    if isinstance(cities, bool) or not isinstance(cities, int) or cities < 1:
        raise ValueError(f"cities must be a positive whole number, got {cities!r}")
    start = np.ones(rates.size) if initial_counts is None else np.asarray(initial_counts, float)
    if start.shape != rates.shape:
        raise ValueError(f"initial_counts needs one count per region ({rates.size})")
    visit_probabilities(start)  # validates the starting counts
    rng = np.random.default_rng(seed)
    history = np.empty((days + 1, cities, rates.size))
    history[0] = start
    for day in range(1, days + 1):
        history[day] = patrol_day(history[day - 1], rates, rng, corrected=corrected,
                                  reporting_rate=reporting_rate)
    return PatrolHistory(counts=history, true_rates=rates)
