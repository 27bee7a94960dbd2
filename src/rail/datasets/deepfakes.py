"""Generator of ``deepfake_detector_scores``: a detector's scores on real and fake media (06).

No media are simulated, only what an evaluation of a deepfake detector records about each
item: whether it is synthetic (ground truth), which generator family made it (some families
were in the detector's training data, some were not), how heavily it was re-encoded (as on
social platforms), the group of the person shown, and the detector's score in [0, 1].

How an item is drawn (binormal on a latent scale, so every effect has an exact size):

1. ``synthetic`` with probability ``synthetic_share``.
2. A synthetic item's ``generator``: one of the seen families (:data:`SEEN_FAMILIES`) with
   probability ``1 - unseen_share``, otherwise one of the unseen families
   (:data:`UNSEEN_FAMILIES`), uniformly within each set; real items have ``generator`` "real".
3. ``compression`` ("none", "light", "heavy") uniformly, and ``subject_group`` (A/B) with
   probability ``share_b``, both independently of everything else.
4. A latent detector output: real items ``N(REAL_MEAN + group_b_shift * [group B], 1)``;
   synthetic items ``N(REAL_MEAN + d, 1)``, where the separation ``d`` is
   ``separation_seen`` or ``separation_unseen`` times ``1 - compression_loss`` for heavy and
   ``1 - compression_loss / 2`` for light compression. The AUC of the detector within a cell
   is therefore ``Phi(d / sqrt(2))`` (binormal model), and real items of group B outrank real
   items of group A with probability ``Phi(group_b_shift / sqrt(2))``.
5. ``score = 1 / (1 + exp(-score_scale * latent))``. The scores are not calibrated
   probabilities, as many detectors' are not: with the defaults, items scored near 0 are
   synthetic far more often than the score says (fakes of unseen families score low).

The defaults are teaching choices shaped like the published finding that detectors do well on
fakes like those they were trained on and much worse on new ones; they are not estimates of any
real detector. Everything is synthetic: no real person, video or product is described.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from rail.datasets._checks import non_negative, positive, probability

SEEN_FAMILIES: tuple[str, ...] = ("faceswap_a", "reenact_b")
"""Generator families represented in the detector's training data."""
UNSEEN_FAMILIES: tuple[str, ...] = ("diffusion_c", "faceswap_d")
"""Generator families the detector never saw in training."""
COMPRESSION_LEVELS: tuple[str, ...] = ("none", "light", "heavy")
"""Re-encoding levels, from the original file to a heavily recompressed social-media copy."""

REAL_MEAN = -1.25
"""Mean latent output of real media of group A."""

DEFAULT_SYNTHETIC_SHARE = 0.5
DEFAULT_UNSEEN_SHARE = 0.5
DEFAULT_SEPARATION_SEEN = 2.5
DEFAULT_SEPARATION_UNSEEN = 0.8
DEFAULT_COMPRESSION_LOSS = 0.4
DEFAULT_SHARE_B = 0.3
DEFAULT_GROUP_B_SHIFT = 0.4
DEFAULT_SCORE_SCALE = 1.6


def separation(seen: bool, compression: str, *, separation_seen: float = DEFAULT_SEPARATION_SEEN,
               separation_unseen: float = DEFAULT_SEPARATION_UNSEEN,
               compression_loss: float = DEFAULT_COMPRESSION_LOSS) -> float:
    """The latent separation ``d`` (real vs synthetic, in standard deviations) of one cell."""
    if compression not in COMPRESSION_LEVELS:
        raise ValueError(f"compression must be one of {COMPRESSION_LEVELS}, got {compression!r}")
    keep = {"none": 1.0, "light": 1.0 - compression_loss / 2, "heavy": 1.0 - compression_loss}
    return (separation_seen if seen else separation_unseen) * keep[compression]


def expected_auc(d: float) -> float:
    """AUC of a binormal detector with equal variances and separation ``d``: ``Phi(d/sqrt 2)``."""
    return float(norm.cdf(d / np.sqrt(2.0)))


def generate_deepfake_detector_scores(
    rows: int,
    seed: int,
    *,
    synthetic_share: float = DEFAULT_SYNTHETIC_SHARE,
    unseen_share: float = DEFAULT_UNSEEN_SHARE,
    separation_seen: float = DEFAULT_SEPARATION_SEEN,
    separation_unseen: float = DEFAULT_SEPARATION_UNSEEN,
    compression_loss: float = DEFAULT_COMPRESSION_LOSS,
    share_b: float = DEFAULT_SHARE_B,
    group_b_shift: float = DEFAULT_GROUP_B_SHIFT,
    score_scale: float = DEFAULT_SCORE_SCALE,
) -> pd.DataFrame:
    """Simulate ``rows`` media items and a deepfake detector's scores on them.

    Parameters
    ----------
    rows:
        Number of media items.
    seed:
        Seed of the random generator.
    synthetic_share:
        Share of items that are synthetic (ground truth).
    unseen_share:
        Share of synthetic items made by generator families absent from the detector's training.
    separation_seen, separation_unseen:
        Latent separation (standard deviations) between real and synthetic items for seen and
        unseen families, uncompressed. Within a cell, AUC = ``Phi(d / sqrt(2))``.
    compression_loss:
        Share of the separation lost under heavy compression (half of it under light), in [0, 1].
    share_b:
        Share of items showing a subject of group B.
    group_b_shift:
        How much higher (latent standard deviations) real items of group B score than real
        items of group A: more false alarms on group B at any threshold.
    score_scale:
        Slope of the logistic map from latent output to score: how far the scores spread
        towards 0 and 1 (it does not change their order).

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item_id``, ``generator`` ("real" or a family), ``seen_family``
        (1 if the family was in training, 0 for unseen families and real items),
        ``compression``, ``subject_group``, ``score`` and ``synthetic`` (ground truth, 0/1).
    """
    synthetic_share = probability("synthetic_share", synthetic_share)
    unseen_share = probability("unseen_share", unseen_share)
    separation_seen = non_negative("separation_seen", separation_seen)
    separation_unseen = non_negative("separation_unseen", separation_unseen)
    compression_loss = probability("compression_loss", compression_loss)
    share_b = probability("share_b", share_b)
    group_b_shift = non_negative("group_b_shift", group_b_shift)
    score_scale = positive("score_scale", score_scale)

    rng = np.random.default_rng(seed)
    synthetic = rng.random(rows) < synthetic_share
    unseen = rng.random(rows) < unseen_share
    family_pick = rng.integers(0, 2, size=rows)
    families = np.where(unseen, np.array(UNSEEN_FAMILIES, dtype=object)[family_pick],
                        np.array(SEEN_FAMILIES, dtype=object)[family_pick])
    generator = np.where(synthetic, families, "real").astype(object)
    level = rng.integers(0, len(COMPRESSION_LEVELS), size=rows)
    is_b = rng.random(rows) < share_b

    d = np.zeros(rows)
    for seen in (True, False):
        for index, compression in enumerate(COMPRESSION_LEVELS):
            cell = synthetic & (unseen != seen) & (level == index)
            d[cell] = separation(seen, compression, separation_seen=separation_seen,
                                 separation_unseen=separation_unseen,
                                 compression_loss=compression_loss)
    shift = np.where(synthetic, d, group_b_shift * is_b)
    latent = REAL_MEAN + shift + rng.normal(size=rows)
    score = np.clip(np.round(expit(score_scale * latent), 6), 1e-6, 1 - 1e-6)

    return pd.DataFrame(
        {
            "item_id": np.arange(1, rows + 1),
            "generator": generator,
            "seen_family": (synthetic & ~unseen).astype(np.int8),
            "compression": np.array(COMPRESSION_LEVELS, dtype=object)[level],
            "subject_group": np.where(is_b, "B", "A").astype(object),
            "score": score,
            "synthetic": synthetic.astype(np.int8),
        }
    )
