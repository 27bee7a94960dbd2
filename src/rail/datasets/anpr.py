"""Generator of ``anpr_alerts``: the warm-up table of module 00.

An automatic number-plate recognition (ANPR) system reads the plates of passing vehicles and
raises an alert when a read matches a plate on a watch list. Some alerts are false: the camera
misread the plate, or the list entry was out of date. Officers who act on a false alert stop a
driver who has done nothing.

The generator simulates one week of alerts in a fictional city with four districts. Mobile
(vehicle-mounted) cameras misread more often than fixed ones, and the districts use different
shares of mobile cameras, so false alerts are not spread evenly across the city. The table is
synthetic: no real vehicle, plate, place or person is described.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rail.datasets._checks import probability

DISTRICTS: tuple[str, ...] = ("Riverside", "Old Town", "Harbour", "Hillcrest")
"""The four fictional districts, in the order that ``mobile_share`` follows."""

DEFAULT_MOBILE_SHARE: tuple[float, ...] = (0.1, 0.2, 0.6, 0.3)
DEFAULT_FALSE_ALERT_FIXED = 0.08
DEFAULT_FALSE_ALERT_MOBILE = 0.35


def generate_anpr_alerts(
    rows: int,
    seed: int,
    *,
    false_alert_fixed: float = DEFAULT_FALSE_ALERT_FIXED,
    false_alert_mobile: float = DEFAULT_FALSE_ALERT_MOBILE,
    mobile_share: Sequence[float] = DEFAULT_MOBILE_SHARE,
) -> pd.DataFrame:
    """Simulate ``rows`` ANPR alerts.

    Parameters
    ----------
    rows:
        Number of alerts (one row each).
    seed:
        Seed of the random generator; the same seed gives the same table on every machine.
    false_alert_fixed:
        Probability that an alert from a fixed camera is false (the vehicle was not the one
        on the watch list).
    false_alert_mobile:
        The same probability for a mobile (vehicle-mounted) camera.
    mobile_share:
        For each district in :data:`DISTRICTS`, the share of its alerts that come from mobile
        cameras. This is the injected effect that makes false alerts uneven across districts.

    Returns
    -------
    pandas.DataFrame
        One row per alert with columns ``alert_id``, ``district``, ``hour`` (0-23),
        ``camera`` (``"fixed"`` or ``"mobile"``), ``read_confidence`` (the system's own score,
        0-1) and ``true_match`` (1 if the vehicle really was the listed one, else 0: the ground
        truth, which in practice is only known after an officer checks).
    """
    p_fixed = probability("false_alert_fixed", false_alert_fixed)
    p_mobile = probability("false_alert_mobile", false_alert_mobile)
    shares = np.asarray(mobile_share, dtype=float)
    if shares.shape != (len(DISTRICTS),):
        raise ValueError(
            f"mobile_share needs one value per district ({len(DISTRICTS)}), got {shares.size}"
        )
    for district, share in zip(DISTRICTS, shares, strict=True):
        probability(f"mobile_share for {district}", share)

    rng = np.random.default_rng(seed)
    district_idx = rng.integers(0, len(DISTRICTS), size=rows)
    is_mobile = rng.random(rows) < shares[district_idx]
    # Alerts follow traffic: more by day than at night (a smooth daily cycle).
    hour_weights = 1.0 + 0.8 * np.sin((np.arange(24) - 6) * np.pi / 12).clip(min=0)
    hour = rng.choice(24, size=rows, p=hour_weights / hour_weights.sum())
    p_false = np.where(is_mobile, p_mobile, p_fixed)
    true_match = (rng.random(rows) >= p_false).astype(np.int8)
    # The system's confidence is higher for true matches, and lower for mobile cameras.
    confidence = np.where(
        true_match == 1, rng.beta(9.0, 2.0, size=rows), rng.beta(5.0, 3.0, size=rows)
    )
    confidence = np.where(is_mobile, confidence * 0.9, confidence)

    return pd.DataFrame(
        {
            "alert_id": np.arange(1, rows + 1),
            "district": np.asarray(DISTRICTS, dtype=object)[district_idx],
            "hour": hour,
            "camera": np.where(is_mobile, "mobile", "fixed").astype(object),
            "read_confidence": confidence.round(3),
            "true_match": true_match,
        }
    )
