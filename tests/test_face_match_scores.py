"""Property tests of the face_match_scores generator: the injected effects and their sizes."""

import re

import numpy as np
import pandas as pd
import pytest

from rail import datasets
from rail.datasets.faces import (
    COLUMNS,
    GENUINE_PER_SUBJECT,
    GROUP_SHARES,
    IMPOSTOR_LOCATION,
    IMPOSTOR_PER_SUBJECT,
    IMPOSTOR_SCALE,
    fmr_factor,
)
from tests.paths import ROOT

MILLION = 1_000_000
# Four standard errors: a figure this far from its stated size is a defect, not chance (the
# seeds are fixed, so the tests are deterministic).
Z = 4.0
GROUP = ["sex", "age_band", "skin_tone"]
# The datasheet's table is computed at this threshold.
DATASHEET_THRESHOLD = 55.0


@pytest.fixture(scope="module")
def million() -> pd.DataFrame:
    return datasets.generate("face_match_scores", rows=MILLION, seed=7)


def _within(count: int, size: int, rate: float, what: str) -> None:
    z = (count - size * rate) / np.sqrt(size * rate * (1 - rate))
    assert abs(z) < Z, f"{what}: {count} of {size}, expected rate {rate:.5f} ({z:+.1f} SE)"


def test_columns_types_and_ranges():
    small = datasets.generate("face_match_scores", rows=5000, seed=3)
    assert tuple(small.columns) == COLUMNS
    assert small["comparison_id"].is_unique
    for column, shares in GROUP_SHARES.items():
        assert set(small[column]) == set(shares), column
    assert small["quality"].between(0, 1).all()
    assert set(small["mated"]) == {0, 1}
    assert np.isfinite(small["score"]).all()


def test_same_seed_same_table_other_seed_other_table():
    a, b, c = (datasets.generate("face_match_scores", rows=4000, seed=s) for s in (4, 4, 5))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_each_subject_has_genuine_and_same_group_impostor_comparisons():
    table = datasets.generate("face_match_scores", rows=40_000, seed=2)
    per_subject = table.groupby("subject_id")["mated"].agg(["size", "sum"])
    assert (per_subject["size"] == GENUINE_PER_SUBJECT + IMPOSTOR_PER_SUBJECT).all()
    assert (per_subject["sum"] == GENUINE_PER_SUBJECT).all()
    genuine = table["mated"] == 1
    assert (table.loc[genuine, "reference_id"] == table.loc[genuine, "subject_id"]).all()
    impostor = table[~genuine]
    assert (impostor["reference_id"] != impostor["subject_id"]).all()
    # The reference person belongs to the probe's group (traits looked up per subject).
    traits = table.drop_duplicates("subject_id").set_index("subject_id")[GROUP]
    referenced = traits.loc[impostor["reference_id"]].to_numpy()
    assert (referenced == impostor[GROUP].to_numpy()).all()


def test_a_partial_last_subject_and_a_too_small_table():
    assert len(datasets.generate("face_match_scores", rows=10_007, seed=1)) == 10_007
    with pytest.raises(datasets.DatasetError, match="rows is too small"):
        datasets.generate("face_match_scores", rows=40, seed=1)


def test_group_shares_are_the_stated_ones(million):
    subjects = million.drop_duplicates("subject_id")
    for column, shares in GROUP_SHARES.items():
        for label, share in shares.items():
            _within(int((subjects[column] == label).sum()), len(subjects), share,
                    f"{column}={label}")


def test_fmr_of_each_group_is_the_logistic_tail_times_its_factor():
    # Without subject effects each impostor score is logistic, so the FMR of every group at a
    # threshold is known exactly: 1 / (1 + exp((t - location_g) / scale)).
    table = datasets.generate("face_match_scores", rows=MILLION, seed=8, subject_spread=0.0)
    threshold = 48.0
    rates = _rates(table, threshold).drop(index=("all", "", ""))
    for group, row in rates.iterrows():
        factor = fmr_factor(*[np.array([g]) for g in group])[0]
        location = IMPOSTOR_LOCATION + IMPOSTOR_SCALE * np.log(factor)
        expected = 1 / (1 + np.exp((threshold - location) / IMPOSTOR_SCALE))
        _within(int(row["false_match"]), int(row["impostor"]), expected, f"FMR {group}")


def _model_fmr(threshold: float, factor: float, spread: float) -> float:
    """The generator's FMR for a group: the logistic tail averaged over subject effects."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    location = IMPOSTOR_LOCATION + IMPOSTOR_SCALE * (np.log(factor) + spread * nodes)
    tail = 1 / (1 + np.exp((threshold - location) / IMPOSTOR_SCALE))
    return float(weights @ tail / weights.sum())


@pytest.mark.parametrize("factors", [
    {"fmr_factor_female": 3.0, "fmr_factor_older": 3.0, "fmr_factor_darker": 10.0},
    {"fmr_factor_female": 1.0, "fmr_factor_older": 1.0, "fmr_factor_darker": 1.0},
    {"fmr_factor_female": 5.0, "fmr_factor_older": 2.0, "fmr_factor_darker": 30.0},
])
def test_fmr_of_each_group_with_subject_effects_is_the_models(factors):
    # With the default subject effects, every group's FMR is the model's (within four
    # standard errors that count subjects, not comparisons, as the independent units) ...
    threshold, spread = 54.0, 1.5
    table = datasets.generate("face_match_scores", rows=MILLION, seed=9, **factors)
    impostor = table[table["mated"] == 0]
    false_matches = (impostor["score"] >= threshold).groupby(impostor["subject_id"]).sum()
    subjects = impostor.drop_duplicates("subject_id").set_index("subject_id")
    for group, members in subjects.groupby(GROUP):
        counts = false_matches.loc[members.index].to_numpy(dtype=float)
        rate = counts.mean() / IMPOSTOR_PER_SUBJECT
        se = counts.std(ddof=1) / np.sqrt(len(counts)) / IMPOSTOR_PER_SUBJECT
        factor = fmr_factor(*[np.array([g]) for g in group], **factors)[0]
        expected = _model_fmr(threshold, factor, spread)
        assert abs(rate - expected) < Z * se, (group, rate, expected, se)
        # ... and the model's ratio to the reference group is close to the factor, up to
        # factors of 10: the factors are FMR ratios at strict thresholds. Larger combined
        # factors bend below the product at this threshold (90 gives about 70).
        ratio = expected / _model_fmr(threshold, 1.0, spread)
        if factor <= 10:
            assert ratio == pytest.approx(factor, rel=0.2), (group, ratio, factor)
        else:
            assert 0.5 * factor < ratio <= factor, (group, ratio, factor)


def test_subject_spread_makes_false_matches_cluster_on_subjects():
    def dispersion(spread: float) -> float:
        table = datasets.generate("face_match_scores", rows=400_000, seed=10,
                                  subject_spread=spread, fmr_factor_female=1.0,
                                  fmr_factor_older=1.0, fmr_factor_darker=1.0)
        impostor = table[table["mated"] == 0]
        counts = (impostor["score"] >= 40).groupby(impostor["subject_id"]).sum()
        rate = counts.mean() / IMPOSTOR_PER_SUBJECT
        return counts.var() / (IMPOSTOR_PER_SUBJECT * rate * (1 - rate))

    assert dispersion(0.0) == pytest.approx(1.0, abs=0.1)
    assert dispersion(1.5) > 1.5


def test_false_non_matches_follow_quality_not_group(million):
    genuine = million[million["mated"] == 1]
    slope = np.polyfit(genuine["quality"], genuine["score"], 1)[0]
    assert slope == pytest.approx(30.0, abs=1.0)
    miss = genuine["score"] < 60
    low, high = miss[genuine["quality"] < 0.5].mean(), miss[genuine["quality"] > 0.8].mean()
    assert low > 5 * high
    # The same FNMR in every group (within four binomial standard errors of the overall rate).
    overall = miss.mean()
    for group, misses in miss.groupby([genuine[c] for c in GROUP]):
        _within(int(misses.sum()), len(misses), overall, f"FNMR {group}")
    flat = datasets.generate("face_match_scores", rows=200_000, seed=4, quality_effect=0.0)
    flat_genuine = flat[flat["mated"] == 1]
    assert abs(np.polyfit(flat_genuine["quality"], flat_genuine["score"], 1)[0]) < 1.0


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ({"fmr_factor_female": 0}, "fmr_factor_female must be a number > 0"),
        ({"fmr_factor_older": -1}, "fmr_factor_older must be a number > 0"),
        ({"fmr_factor_darker": float("nan")}, "fmr_factor_darker must be a number > 0"),
        ({"quality_effect": -5}, "quality_effect must be a number >= 0"),
        ({"subject_spread": float("inf")}, "subject_spread must be a number >= 0"),
    ],
)
def test_bad_effects_raise_clear_errors(effects, message):
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.generate("face_match_scores", rows=4000, seed=0, **effects)


def _rates(table: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Counts and rates of errors at ``threshold``, per group and for all comparisons."""
    match = table["score"] >= threshold
    genuine = table["mated"] == 1
    frame = pd.DataFrame({"impostor": ~genuine, "false_match": match & ~genuine,
                          "genuine": genuine, "false_non_match": ~match & genuine})
    keys = [table[c] for c in GROUP]
    counts = pd.concat([frame.groupby(keys).sum(),
                        frame.sum().to_frame(("all", "", "")).T]).astype(int)
    counts["subjects"] = [*table.groupby(GROUP)["subject_id"].nunique(),
                          table["subject_id"].nunique()]
    counts["fmr"] = counts["false_match"] / counts["impostor"]
    counts["fnmr"] = counts["false_non_match"] / counts["genuine"]
    return counts


def datasheet_rows(table: pd.DataFrame) -> list[str]:
    """The datasheet's table rows, computed from ``table`` at :data:`DATASHEET_THRESHOLD`."""
    return [
        f"| {', '.join(part for part in group if part)} | {row['subjects']:.0f} | "
        f"{row['impostor']:.0f} | {row['false_match']:.0f} | {row['fmr']:.4f} | "
        f"{row['genuine']:.0f} | {row['false_non_match']:.0f} | {row['fnmr']:.3f} |"
        for group, row in _rates(table, DATASHEET_THRESHOLD).iterrows()
    ]


def test_datasheet_figures_match_the_committed_data():
    sheet = (ROOT / "datasets" / "face_match_scores.md").read_text(encoding="utf-8")
    rows = datasheet_rows(datasets.load("face_match_scores"))
    assert len(rows) == 13
    for line in rows:
        assert re.search(rf"^{re.escape(line)}$", sheet, re.MULTILINE), \
            f"the datasheet lacks the row {line!r}"
