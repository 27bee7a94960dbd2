"""Generators of ``safeguarding_audit`` and ``safeguarding_deployment``: module 07's assignment.

A vendor offers a police force a system that flags reports (domestic abuse, a vulnerable
person) for a safeguarding officer's call within 24 hours. The force audits it on an **audit
sample** of past reports from one area, whose outcome is known: was the person harmed again
within 90 days? It will deploy it in another area and a later period: the **deployment
sample**, whose outcomes are not yet known.

Three effects are injected, each with a keyword parameter:

* **Under-recording** (``minority_under_recording``, ``male_under_recording``): a share of the
  earlier incidents of people of the minority ethnic group, and of men, never became a recorded
  report. The vendor's system leans on recorded prior reports, so it misses more of the people
  of those groups who are harmed again, and most at their intersection.
* **A proxy** (``deprivation_gap``): the neighbourhood deprivation decile, one of the vendor's
  inputs, is higher for the minority group; the system never sees ethnicity, but this input
  carries it.
* **Shift** (deployment only: ``age_shift``, ``weapon_share``): the deployment area's people
  are older; the other inputs barely move.

The tables are synthetic: no real person, report, place or force is described.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.datasets._checks import finite, probability

ETHNIC_GROUPS: tuple[str, ...] = ("majority", "minority")
SEXES: tuple[str, ...] = ("female", "male")
INPUTS: tuple[str, ...] = ("age", "prior_reports_12m", "injury_recorded", "weapon_mentioned",
                           "children_present", "deprivation_decile")
"""The columns the vendor's system reads (see :mod:`rail.vendors.safeguarding`)."""
OUTCOME = "harm_within_90d"
"""The audit sample's outcome: 1 if the person was harmed again within 90 days."""

DEFAULT_MINORITY_SHARE = 0.25
DEFAULT_MALE_SHARE = 0.3
DEFAULT_MINORITY_UNDER_RECORDING = 0.5
DEFAULT_MALE_UNDER_RECORDING = 0.4
DEFAULT_DEPRIVATION_GAP = 3.0
DEFAULT_WEAPON_SHARE = 0.08
DEFAULT_AGE_SHIFT = 14.0
RECORDING_RATE = 0.9
"""Share of the earlier incidents of a majority-group woman that became a recorded report."""
AGE_MEAN, AGE_SD = 36.0, 13.0


def _reports(rows: int, seed: int, *, minority_share: float, male_share: float,
             minority_under_recording: float, male_under_recording: float,
             deprivation_gap: float, weapon_share: float, age_shift: float) -> pd.DataFrame:
    """The reports of one area and period, with their outcome and ground truth."""
    minority_share = probability("minority_share", minority_share)
    male_share = probability("male_share", male_share)
    minority_under = probability("minority_under_recording", minority_under_recording)
    male_under = probability("male_under_recording", male_under_recording)
    gap = finite("deprivation_gap", deprivation_gap)
    weapon_share = probability("weapon_share", weapon_share)
    age_shift = finite("age_shift", age_shift)

    rng = np.random.default_rng(seed)
    minority = rng.random(rows) < minority_share
    male = rng.random(rows) < male_share
    age = np.clip(np.round(rng.normal(AGE_MEAN + age_shift, AGE_SD, rows)), 16, 95)
    deprivation = np.clip(np.round(5.5 + 2.2 * rng.standard_normal(rows)
                                   + gap * (minority - minority_share)), 1, 10)
    # Earlier incidents happen a little more often in more deprived neighbourhoods; a share of
    # them never became a recorded report, more so for the minority group and for men.
    prior_true = rng.poisson(np.exp(0.08 * (deprivation - 5.5)))
    recording = RECORDING_RATE * np.where(minority, 1 - minority_under, 1.0) \
        * np.where(male, 1 - male_under, 1.0)
    prior_recorded = rng.binomial(prior_true, recording)
    injury = rng.random(rows) < 0.3
    weapon = rng.random(rows) < weapon_share
    children = rng.random(rows) < np.clip(0.35 - 0.006 * (age - AGE_MEAN), 0.02, 0.9)
    risk = -2.6 + 0.9 * prior_true + 1.0 * injury + 1.2 * weapon + 0.3 * children
    harmed = rng.random(rows) < 1.0 / (1.0 + np.exp(-risk))
    return pd.DataFrame({
        "report_id": np.arange(1, rows + 1),
        "ethnic_group": np.asarray(ETHNIC_GROUPS, dtype=object)[minority.astype(int)],
        "sex": np.asarray(SEXES, dtype=object)[male.astype(int)],
        "age": age.astype(int),
        "prior_reports_12m": prior_recorded.astype(int),
        "injury_recorded": injury.astype(np.int8),
        "weapon_mentioned": weapon.astype(np.int8),
        "children_present": children.astype(np.int8),
        "deprivation_decile": deprivation.astype(int),
        "prior_incidents_true": prior_true.astype(int),
        OUTCOME: harmed.astype(np.int8),
    })


def generate_safeguarding_audit(
    rows: int,
    seed: int,
    *,
    minority_share: float = DEFAULT_MINORITY_SHARE,
    male_share: float = DEFAULT_MALE_SHARE,
    minority_under_recording: float = DEFAULT_MINORITY_UNDER_RECORDING,
    male_under_recording: float = DEFAULT_MALE_UNDER_RECORDING,
    deprivation_gap: float = DEFAULT_DEPRIVATION_GAP,
) -> pd.DataFrame:
    """Simulate ``rows`` past reports of the audit area, with their outcome.

    Parameters
    ----------
    rows, seed:
        Number of reports; seed of the random generator (same seed, same table everywhere).
    minority_share, male_share:
        Shares of reports about a person of the minority ethnic group, and about a man.
    minority_under_recording, male_under_recording:
        Share of a person's earlier incidents that did **not** become a recorded report,
        because the person belongs to the minority group, or is a man (multiplied together
        with the recording rate of 0.9 for a majority-group woman).
    deprivation_gap:
        How many deciles more deprived the minority group's neighbourhoods are on average
        (the proxy; before clipping to 1-10).

    Returns
    -------
    pandas.DataFrame
        One row per report: ``report_id``, ``ethnic_group`` and ``sex`` (group attributes,
        not inputs of the system), the six inputs of :data:`INPUTS`, the ground truth
        ``prior_incidents_true`` (earlier incidents, recorded or not: known only in a
        simulation) and the outcome ``harm_within_90d``.
    """
    return _reports(rows, seed, minority_share=minority_share, male_share=male_share,
                    minority_under_recording=minority_under_recording,
                    male_under_recording=male_under_recording, deprivation_gap=deprivation_gap,
                    weapon_share=DEFAULT_WEAPON_SHARE, age_shift=0.0)


def generate_safeguarding_deployment(
    rows: int,
    seed: int,
    *,
    age_shift: float = DEFAULT_AGE_SHIFT,
    weapon_share: float = DEFAULT_WEAPON_SHARE,
    minority_share: float = 0.2,
    male_share: float = DEFAULT_MALE_SHARE,
    minority_under_recording: float = DEFAULT_MINORITY_UNDER_RECORDING,
    male_under_recording: float = DEFAULT_MALE_UNDER_RECORDING,
    deprivation_gap: float = DEFAULT_DEPRIVATION_GAP,
) -> pd.DataFrame:
    """Simulate ``rows`` reports of the deployment area and period, without outcomes.

    The same process as :func:`generate_safeguarding_audit`, in another area and period.

    Parameters
    ----------
    age_shift:
        Years by which the people of the deployment area are older on average than those of
        the audit area (the shift; 0 for none).
    weapon_share:
        Share of reports that mention a weapon (0.08 in the audit area).
    minority_share, male_share, minority_under_recording, male_under_recording, deprivation_gap:
        As for the audit sample; the deployment area has a smaller minority group (0.2).

    Returns
    -------
    pandas.DataFrame
        ``report_id``, ``ethnic_group``, ``sex`` and the six inputs of :data:`INPUTS`: no
        outcome and no ground truth, as the force would have them before deciding.
    """
    reports = _reports(rows, seed, minority_share=minority_share, male_share=male_share,
                       minority_under_recording=minority_under_recording,
                       male_under_recording=male_under_recording,
                       deprivation_gap=deprivation_gap, weapon_share=weapon_share,
                       age_shift=age_shift)
    return reports.drop(columns=["prior_incidents_true", OUTCOME])
