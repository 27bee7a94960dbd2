"""The vendor's system of module 07's lesson: a predict function with clear input errors."""

import numpy as np
import pandas as pd
import pytest

from rail import datasets
from rail.transparency import MODEL_CARD_SECTIONS
from rail.vendors import solvability


@pytest.fixture(scope="module")
def cases() -> pd.DataFrame:
    return datasets.generate("burglary_cases", rows=2000, seed=1)


def test_scores_are_probabilities_one_per_row_in_row_order(cases):
    scores = solvability.predict(cases)
    assert scores.shape == (len(cases),)
    assert ((scores > 0) & (scores < 1)).all()
    reversed_scores = solvability.predict(cases.iloc[::-1])
    np.testing.assert_array_equal(reversed_scores, scores[::-1])


def test_the_score_does_not_read_the_group_or_the_outcome(cases):
    other = cases.assign(victim_group="A", victim_age_band="under 65", solved=1)
    np.testing.assert_array_equal(solvability.predict(other), solvability.predict(cases))
    only_inputs = cases[list(solvability.INPUTS)]
    np.testing.assert_array_equal(solvability.predict(only_inputs), solvability.predict(cases))


def test_more_evidence_never_lowers_the_score(cases):
    for feature in ("forensic_material", "cctv_available", "witness", "suspect_described"):
        without = solvability.predict(cases.assign(**{feature: 0}))
        with_it = solvability.predict(cases.assign(**{feature: 1}))
        assert (with_it > without).all(), feature


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["witness", "area_clearance_rate"]),
         r"needs the column\(s\) \['witness', 'area_clearance_rate'\]"),
        (lambda f: f.assign(witness="yes"), "column 'witness' must be numeric"),
        (lambda f: f.assign(report_delay_hours=np.where(f.index == 3, np.nan, 1.0)),
         "column 'report_delay_hours' has 1 missing value"),
        (lambda f: f.assign(cctv_available=2), "column 'cctv_available' must hold 0/1"),
        (lambda f: f.assign(property_value_eur=-5), "must be >= 0"),
        (lambda f: f.assign(area_clearance_rate=1.5), "area_clearance_rate must be a share"),
        (lambda f: f.to_numpy(), "needs a pandas DataFrame"),
    ],
)
def test_bad_input_gets_a_clear_message(cases, change, message):
    with pytest.raises(solvability.InputError, match=message):
        solvability.predict(change(cases))


def test_model_card_has_claims_and_lacks_sections():
    card = solvability.MODEL_CARD
    assert set(card) <= set(MODEL_CARD_SECTIONS)
    missing = [s for s in MODEL_CARD_SECTIONS if s not in card]
    assert {"Training data", "Evaluation data", "Factors", "Ethical considerations"} <= set(
        missing)
    assert len(card["Metrics"]) >= 4
    assert any("0.5" in claim for claim in card["Metrics"]) or "0.5" in card["Intended use"]
