"""Generator of ``face_match_scores``: face-comparison scores by demographic group (module 05).

A fictional face-recognition algorithm compares a *probe* image of a person with a
*reference* image and returns a similarity score; a match is declared when the score is at or
above a threshold. The table holds the scores of **genuine** comparisons (probe and reference
show the same person) and **impostor** comparisons (two different people), with the ground
truth, so that false-match and false-non-match rates can be computed. No images exist: only
scores are simulated.

How the table is drawn:

1. **Subjects.** Each has a ``sex`` (F/M), an ``age_band`` and a ``skin_tone`` category,
   drawn independently with the shares in :data:`GROUP_SHARES`. Every subject contributes
   :data:`GENUINE_PER_SUBJECT` genuine and :data:`IMPOSTOR_PER_SUBJECT` impostor comparisons
   (``rows`` comparisons in all; the last subject may contribute fewer), so comparisons of
   the same subject are **not independent**.
2. **Impostor pairs** compare the subject's probe with the reference of another subject of
   the *same* sex, age band and skin tone, as demographic evaluations do (Grother, Ngan and
   Hanaoka, 2019, NISTIR 8280): strangers who share these traits are the ones most easily
   confused.
3. **Impostor scores** follow a logistic distribution (location :data:`IMPOSTOR_LOCATION`,
   scale :data:`IMPOSTOR_SCALE`) shifted, for each subject, by a subject effect (normal, sd
   ``subject_spread`` in units of the scale: some faces draw high impostor scores) and, for
   each group, by ``IMPOSTOR_SCALE * log(factor)``, where the factor is the product of
   ``fmr_factor_female``, ``fmr_factor_older`` (age band 60+) and ``fmr_factor_darker`` for the
   traits the subject has. The far tail of a logistic distribution is exponential, so at any
   strict threshold (false-match rate of about 1e-2 or below) a group's false-match rate is
   its factor times the reference group's (male, 35-59, lighter): the factors are **false-match
   rate ratios**.
4. **Image quality** (0-1, higher is better) is drawn per comparison from a beta
   distribution, the same in every group.
5. **Genuine scores** are normal around ``GENUINE_BASE + quality_effect * quality`` plus a
   subject effect (sd :data:`GENUINE_SUBJECT_SD`) and noise (sd :data:`GENUINE_NOISE_SD`):
   false non-matches are driven by image quality, not by group.

All shares, distributions and factors are teaching choices shaped like NISTIR 8280's findings
(false-positive differentials of one to two orders of magnitude; women, elderly people and
people with darker skin tones often elevated; false negatives driven more by image quality),
not estimates of any real algorithm or population. Everything is synthetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rail.datasets._checks import non_negative, positive

DEFAULT_FMR_FACTOR_FEMALE = 3.0
DEFAULT_FMR_FACTOR_OLDER = 3.0
DEFAULT_FMR_FACTOR_DARKER = 10.0
DEFAULT_QUALITY_EFFECT = 30.0
DEFAULT_SUBJECT_SPREAD = 1.5

GROUP_SHARES: dict[str, dict[str, float]] = {
    "sex": {"F": 0.5, "M": 0.5},
    "age_band": {"18-34": 0.35, "35-59": 0.45, "60+": 0.2},
    "skin_tone": {"lighter": 0.7, "darker": 0.3},
}
"""Shares of each demographic attribute among subjects (drawn independently)."""

REFERENCE_GROUP: dict[str, str] = {"sex": "M", "age_band": "35-59", "skin_tone": "lighter"}
"""The group whose false-match rate the factors multiply."""

GENUINE_PER_SUBJECT = 2
IMPOSTOR_PER_SUBJECT = 18

IMPOSTOR_LOCATION = 20.0
IMPOSTOR_SCALE = 4.0
GENUINE_BASE = 50.0
GENUINE_SUBJECT_SD = 4.0
GENUINE_NOISE_SD = 5.0
QUALITY_A, QUALITY_B = 5.0, 2.0
"""Beta distribution of image quality (mean about 0.71)."""

COLUMNS: tuple[str, ...] = (
    "comparison_id", "subject_id", "reference_id", "sex", "age_band", "skin_tone",
    "quality", "mated", "score",
)


def fmr_factor(sex: np.ndarray, age_band: np.ndarray, skin_tone: np.ndarray, *,
               fmr_factor_female: float = DEFAULT_FMR_FACTOR_FEMALE,
               fmr_factor_older: float = DEFAULT_FMR_FACTOR_OLDER,
               fmr_factor_darker: float = DEFAULT_FMR_FACTOR_DARKER) -> np.ndarray:
    """The false-match-rate ratio of each subject's group to the reference group."""
    return (np.where(np.asarray(sex) == "F", fmr_factor_female, 1.0)
            * np.where(np.asarray(age_band) == "60+", fmr_factor_older, 1.0)
            * np.where(np.asarray(skin_tone) == "darker", fmr_factor_darker, 1.0))


def _choose(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    labels = np.array(list(shares), dtype=object)
    return labels[rng.choice(len(labels), size=size, p=list(shares.values()))]


def _same_group_references(rng: np.random.Generator, group_code: np.ndarray,
                           probe: np.ndarray) -> np.ndarray:
    """For each probe subject (0-based), another subject of the same group (0-based)."""
    order = np.argsort(group_code, kind="stable")
    sorted_codes = group_code[order]
    start = np.searchsorted(sorted_codes, group_code[probe], side="left")
    size = np.searchsorted(sorted_codes, group_code[probe], side="right") - start
    if (size < 2).any():
        raise ValueError("rows is too small: some group has a single subject, so an impostor "
                         "pair cannot be formed; use a few thousand rows or more")
    # Draw among the group's other members: an offset 1..size-1 from the probe's own position.
    position = np.empty_like(group_code)
    position[order] = np.arange(len(group_code))
    own = position[probe] - start
    offset = 1 + (rng.random(len(probe)) * (size - 1)).astype(np.int64)
    return order[start + (own + offset) % size]


def generate_face_match_scores(
    rows: int,
    seed: int,
    *,
    fmr_factor_female: float = DEFAULT_FMR_FACTOR_FEMALE,
    fmr_factor_older: float = DEFAULT_FMR_FACTOR_OLDER,
    fmr_factor_darker: float = DEFAULT_FMR_FACTOR_DARKER,
    quality_effect: float = DEFAULT_QUALITY_EFFECT,
    subject_spread: float = DEFAULT_SUBJECT_SPREAD,
) -> pd.DataFrame:
    """Simulate ``rows`` face comparisons: genuine and impostor scores with ground truth.

    Parameters
    ----------
    rows:
        Number of comparisons (each subject contributes 2 genuine and 18 impostor ones).
    seed:
        Seed of the random generator.
    fmr_factor_female, fmr_factor_older, fmr_factor_darker:
        False-match-rate ratio, at strict thresholds, of women to men, of the age band 60+ to
        the others, and of the darker to the lighter skin-tone category; they multiply.
        1 everywhere means no demographic differential.
    quality_effect:
        Points of genuine score gained from the worst (0) to the best (1) image quality: the
        larger, the more false non-matches depend on quality.
    subject_spread:
        Standard deviation, in units of the impostor scale, of each subject's shift of their
        impostor scores: 0 makes comparisons independent given the group; larger values make
        false matches cluster on some subjects.

    Returns
    -------
    pandas.DataFrame
        One row per comparison, columns :data:`COLUMNS`: ``subject_id`` (the probe's person),
        ``reference_id`` (the reference's person; equal to ``subject_id`` when ``mated``),
        the probe subject's ``sex``, ``age_band`` and ``skin_tone``, image ``quality``,
        ``mated`` (ground truth: 1 genuine, 0 impostor) and ``score``.
    """
    for name, value in (("fmr_factor_female", fmr_factor_female),
                        ("fmr_factor_older", fmr_factor_older),
                        ("fmr_factor_darker", fmr_factor_darker)):
        positive(name, value)
    quality_effect = non_negative("quality_effect", quality_effect)
    subject_spread = non_negative("subject_spread", subject_spread)

    per_subject = GENUINE_PER_SUBJECT + IMPOSTOR_PER_SUBJECT
    subjects = -(-rows // per_subject)
    rng = np.random.default_rng(seed)
    sex = _choose(rng, GROUP_SHARES["sex"], subjects)
    age_band = _choose(rng, GROUP_SHARES["age_band"], subjects)
    skin_tone = _choose(rng, GROUP_SHARES["skin_tone"], subjects)
    impostor_shift = rng.normal(0.0, subject_spread, subjects)
    genuine_shift = rng.normal(0.0, GENUINE_SUBJECT_SD, subjects)

    # Comparisons, subject by subject: the genuine ones first, then the impostor ones.
    probe = np.repeat(np.arange(subjects), per_subject)[:rows]
    mated = np.tile(np.arange(per_subject) < GENUINE_PER_SUBJECT, subjects)[:rows]
    group_code = np.unique(sex + "|" + age_band + "|" + skin_tone,
                           return_inverse=True)[1].astype(np.int64)
    reference = probe.copy()
    reference[~mated] = _same_group_references(rng, group_code, probe[~mated])

    quality = rng.beta(QUALITY_A, QUALITY_B, rows)
    factor = fmr_factor(sex, age_band, skin_tone, fmr_factor_female=fmr_factor_female,
                        fmr_factor_older=fmr_factor_older, fmr_factor_darker=fmr_factor_darker)
    impostor_location = IMPOSTOR_LOCATION + IMPOSTOR_SCALE * (np.log(factor) + impostor_shift)
    impostor = rng.logistic(impostor_location[probe], IMPOSTOR_SCALE)
    genuine = (GENUINE_BASE + quality_effect * quality + genuine_shift[probe]
               + rng.normal(0.0, GENUINE_NOISE_SD, rows))
    score = np.where(mated, genuine, impostor)

    return pd.DataFrame(
        {
            "comparison_id": np.arange(1, rows + 1),
            "subject_id": probe + 1,
            "reference_id": reference + 1,
            "sex": sex[probe],
            "age_band": age_band[probe],
            "skin_tone": skin_tone[probe],
            "quality": np.round(quality, 2),
            "mated": mated.astype(np.int8),
            "score": np.round(score, 2),
        }
    )
