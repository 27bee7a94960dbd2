"""Generator of ``patrol_city``: true offending and recorded incidents in a synthetic city.

The city is a square grid of neighbourhoods. Each has residents, a socio-economic index, and a
share of residents from group B (the rest are group A; the names are deliberately neutral).
Every neighbourhood has a **true** offending rate, which by default does not depend on its
group composition. Police patrols, however, were historically uneven: they favoured
neighbourhoods with more group-B residents. Offences become **records** in two ways:

* *discovered* by patrols, more often where there are more patrols;
* *reported* by the public, with the same propensity everywhere.

The generator keeps both the truth and the records, week by week, so a lesson can put them
side by side. Everything is synthetic: no real city, place or person is described.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.datasets._checks import finite, non_negative, positive, positive_whole, probability

DEFAULT_WEEKS = 52
DEFAULT_PATROL_BIAS = 2.0
DEFAULT_REPORTING_RATE = 0.2
DEFAULT_DETECTION_PER_PATROL = 0.3
DEFAULT_GROUP_RATE_RATIO = 1.0
MEAN_TRUE_RATE = 0.8
"""Average true offences per 1,000 residents per week."""


def _smooth_field(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, side: int,
                  centres: int, width: float) -> np.ndarray:
    """A bumpy surface in [0, 1]: the largest of a few Gaussian bumps at random centres."""
    cx, cy = rng.uniform(0, side, size=(2, centres))
    d2 = (x[:, None] - cx) ** 2 + (y[:, None] - cy) ** 2
    return np.exp(-d2 / (2 * (width * side) ** 2)).max(axis=1)


def generate_patrol_city(
    rows: int,
    seed: int,
    *,
    weeks: int = DEFAULT_WEEKS,
    patrol_bias: float = DEFAULT_PATROL_BIAS,
    reporting_rate: float = DEFAULT_REPORTING_RATE,
    detection_per_patrol: float = DEFAULT_DETECTION_PER_PATROL,
    group_rate_ratio: float = DEFAULT_GROUP_RATE_RATIO,
) -> pd.DataFrame:
    """Simulate ``rows`` neighbourhoods observed for ``weeks`` weeks.

    Parameters
    ----------
    rows:
        Number of neighbourhoods, laid out on a square grid (the last row of the grid may be
        partly filled). The table has ``rows * weeks`` rows.
    seed:
        Seed of the random generator.
    weeks:
        Number of weeks of records.
    patrol_bias:
        How strongly historic patrols favoured group-B neighbourhoods: patrol intensity is
        proportional to ``exp(patrol_bias * group_b_share)``, so an all-B neighbourhood got
        ``exp(patrol_bias)`` times the patrols of an all-A one. 0 means even patrolling.
    reporting_rate:
        Probability that an offence the patrols did not discover is reported by the public.
    detection_per_patrol:
        Discovery strength of patrols: an offence is discovered with probability
        ``1 - exp(-detection_per_patrol * patrol_intensity)``.
    group_rate_ratio:
        True offending rate of an all-B neighbourhood relative to an otherwise identical all-A
        one. The default 1.0 means true offending does not depend on group composition.

    Returns
    -------
    pandas.DataFrame
        One row per neighbourhood and week: ``neighbourhood``, ``x``, ``y`` (grid position),
        ``population``, ``ses_index`` (0-1, higher is more affluent), ``group_b_share``,
        ``majority_group`` (``"A"`` or ``"B"``), ``patrol_intensity`` (1 = city average),
        ``true_rate`` (expected offences per 1,000 residents per week), ``week`` (1-based),
        ``true_offences``, ``discovered``, ``reported`` and ``recorded`` (= discovered +
        reported). The first columns repeat for every week of a neighbourhood.
    """
    weeks = positive_whole("weeks", weeks)
    reporting_rate = probability("reporting_rate", reporting_rate)
    detection_per_patrol = non_negative("detection_per_patrol", detection_per_patrol)
    group_rate_ratio = positive("group_rate_ratio", group_rate_ratio)
    patrol_bias = finite("patrol_bias", patrol_bias)

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(rows)))
    cell = np.arange(rows)
    x, y = cell % side, cell // side

    # Where group B lives: a few clusters, as in a city with a history of segregation.
    b_field = _smooth_field(rng, x, y, side, centres=3, width=0.15)
    group_b_share = np.clip(0.04 + 0.9 * b_field + rng.normal(0, 0.04, rows), 0.01, 0.99)
    ses_index = np.clip(0.65 - 0.3 * group_b_share + rng.normal(0, 0.12, rows), 0.0, 1.0)
    population = np.round(rng.lognormal(np.log(2500), 0.35, rows)).astype(int)

    # True offending has hotspots of its own. Chance overlap with where group B lives is
    # removed (the log-rate is made uncorrelated with group_b_share in every sample, not only
    # on average), so group composition affects true offending only through group_rate_ratio.
    crime_field = _smooth_field(rng, x, y, side, centres=4, width=0.12)
    log_rate = 1.2 * crime_field + rng.normal(0, 0.25, rows)
    centred_share = group_b_share - group_b_share.mean()
    log_rate -= centred_share * (centred_share @ log_rate) / (centred_share @ centred_share)
    log_rate += np.log(group_rate_ratio) * group_b_share
    relative = np.exp(log_rate)
    true_rate = MEAN_TRUE_RATE * relative / relative.mean()

    intensity = np.exp(patrol_bias * group_b_share)
    intensity /= intensity.mean()
    p_discover = 1.0 - np.exp(-detection_per_patrol * intensity)

    expected = population / 1000.0 * true_rate
    true_offences = rng.poisson(np.broadcast_to(expected, (weeks, rows)))
    discovered = rng.binomial(true_offences, p_discover)
    reported = rng.binomial(true_offences - discovered, reporting_rate)

    def per_week(values: np.ndarray) -> np.ndarray:
        return np.tile(values, weeks)

    return pd.DataFrame(
        {
            "neighbourhood": per_week(cell + 1),
            "x": per_week(x),
            "y": per_week(y),
            "population": per_week(population),
            "ses_index": per_week(ses_index.round(3)),
            "group_b_share": per_week(group_b_share.round(3)),
            "majority_group": per_week(np.where(group_b_share > 0.5, "B", "A").astype(object)),
            "patrol_intensity": per_week(intensity.round(3)),
            "true_rate": per_week(true_rate.round(4)),
            "week": np.repeat(np.arange(1, weeks + 1), rows),
            "true_offences": true_offences.ravel(),
            "discovered": discovered.ravel(),
            "reported": reported.ravel(),
            "recorded": (discovered + reported).ravel(),
        }
    )
