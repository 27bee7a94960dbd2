"""Property tests of the patrol_city generator: the injected effects appear with their sizes."""

import itertools

import numpy as np
import pandas as pd
import pytest

from rail import datasets

ROWS = 3000  # neighbourhoods: enough that sampling noise is small next to the effects


def _neighbourhoods(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["week"] == 1].set_index("neighbourhood")


def _recorded_over_true(frame: pd.DataFrame) -> pd.Series:
    totals = frame.groupby("majority_group")[["recorded", "true_offences"]].sum()
    return totals["recorded"] / totals["true_offences"]


def test_shape_columns_and_identities():
    city = datasets.generate("patrol_city", rows=50, seed=1, weeks=10)
    assert len(city) == 500
    assert list(city.columns) == [
        "neighbourhood", "x", "y", "population", "ses_index", "group_b_share",
        "majority_group", "patrol_intensity", "true_rate", "week", "true_offences",
        "discovered", "reported", "recorded",
    ]
    assert (city["recorded"] == city["discovered"] + city["reported"]).all()
    assert (city["recorded"] <= city["true_offences"]).all()
    assert city.groupby("neighbourhood")["week"].nunique().eq(10).all()
    assert set(city["majority_group"]) == {"A", "B"}
    assert city["patrol_intensity"].groupby(city["neighbourhood"]).nunique().eq(1).all()


def test_true_offending_does_not_depend_on_group_by_default():
    hoods = _neighbourhoods(datasets.generate("patrol_city", rows=ROWS, seed=3, weeks=1))
    by_group = hoods.groupby("majority_group")["true_rate"].mean()
    assert by_group["B"] / by_group["A"] == pytest.approx(1.0, abs=0.05)
    assert abs(np.corrcoef(np.log(hoods["true_rate"]), hoods["group_b_share"])[0, 1]) < 0.01


def test_group_rate_ratio_sets_the_true_difference():
    hoods = _neighbourhoods(
        datasets.generate("patrol_city", rows=ROWS, seed=3, weeks=1, group_rate_ratio=2.0)
    )
    slope = np.polyfit(hoods["group_b_share"], np.log(hoods["true_rate"]), 1)[0]
    assert slope == pytest.approx(np.log(2.0), abs=0.02)


@pytest.mark.parametrize("bias", [0.0, 1.0, 2.0, 3.0])
def test_patrol_intensity_follows_the_bias_parameter(bias):
    hoods = _neighbourhoods(
        datasets.generate("patrol_city", rows=ROWS, seed=4, weeks=1, patrol_bias=bias)
    )
    slope = np.polyfit(hoods["group_b_share"], np.log(hoods["patrol_intensity"]), 1)[0]
    assert slope == pytest.approx(bias, abs=0.01)
    assert hoods["patrol_intensity"].mean() == pytest.approx(1.0, abs=0.01)


def test_recorded_over_true_ratio_tracks_patrol_bias():
    ratios = [
        _recorded_over_true(datasets.generate("patrol_city", rows=ROWS, seed=5, weeks=8,
                                              patrol_bias=bias))
        for bias in (0.0, 1.0, 2.0, 3.0)
    ]
    gaps = [r["B"] / r["A"] for r in ratios]
    assert gaps[0] == pytest.approx(1.0, abs=0.03), "even patrols record both groups alike"
    assert all(a < b for a, b in itertools.pairwise(gaps)), gaps
    assert gaps[2] > 1.3, "at the default bias, group B's offences are recorded far more often"


def test_reporting_rate_extremes():
    none = datasets.generate("patrol_city", rows=200, seed=6, weeks=4, reporting_rate=0.0)
    assert (none["reported"] == 0).all()
    every = datasets.generate("patrol_city", rows=200, seed=6, weeks=4, reporting_rate=1.0)
    assert (every["recorded"] == every["true_offences"]).all()


def test_discovery_probability_matches_its_formula():
    city = datasets.generate("patrol_city", rows=ROWS, seed=7, weeks=20, reporting_rate=0.0)
    expected = 1 - np.exp(-0.3 * city["patrol_intensity"])
    share = city["discovered"].sum() / city["true_offences"].sum()
    weighted = (expected * city["true_offences"]).sum() / city["true_offences"].sum()
    assert share == pytest.approx(weighted, abs=0.005)


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ({"weeks": 0}, "weeks must be a positive whole number"),
        ({"reporting_rate": 1.2}, "reporting_rate must be a probability"),
        ({"detection_per_patrol": -1}, "detection_per_patrol must be a number >= 0"),
        ({"group_rate_ratio": 0}, "group_rate_ratio must be a number > 0"),
        ({"patrol_bias": float("nan")}, "patrol_bias must be a finite number"),
    ],
)
def test_bad_effects_raise_clear_errors(effects, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("patrol_city", rows=20, seed=0, **effects)
