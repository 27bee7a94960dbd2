"""The registry of the course's synthetic datasets: generate, load, write."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from rail.datasets.anpr import generate_anpr_alerts
from rail.datasets.cases import generate_burglary_cases
from rail.datasets.deepfakes import generate_deepfake_detector_scores
from rail.datasets.faces import generate_face_match_scores
from rail.datasets.patrol import generate_patrol_city
from rail.datasets.risk import generate_risk_assessment
from rail.datasets.safeguarding import (
    generate_safeguarding_audit,
    generate_safeguarding_deployment,
)
from rail.datasets.transactions import generate_transaction_alerts

DATA_DIR_ENV = "RAIL_DATA_DIR"
"""Environment variable that, when set, names the folder the loader reads CSVs from."""


class DatasetError(ValueError):
    """A dataset was asked for with a bad name, parameter or path."""


@dataclass(frozen=True)
class DatasetSpec:
    """How to make one dataset.

    Attributes
    ----------
    name:
        The registry name, also the stem of the committed CSV and datasheet.
    generator:
        ``generator(rows, seed, **effects) -> DataFrame``.
    rows, seed:
        The defaults; the committed CSV is the generator's output at these values.
    summary:
        One line for listings.
    unit:
        What ``rows`` counts, when it is not the rows of the table.
    """

    name: str
    generator: Callable[..., pd.DataFrame]
    rows: int
    seed: int
    summary: str
    unit: str = "rows"

    @property
    def effects(self) -> dict[str, Any]:
        """The generator's effect parameters and their default values."""
        params = inspect.signature(self.generator).parameters.values()
        return {p.name: p.default for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


_REGISTRY: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            name="anpr_alerts",
            generator=generate_anpr_alerts,
            rows=240,
            seed=2026,
            summary="Module 00 warm-up: one week of number-plate recognition alerts",
            unit="alerts",
        ),
        DatasetSpec(
            name="face_match_scores",
            generator=generate_face_match_scores,
            rows=60_000,
            seed=2026,
            summary="Module 05: face-comparison scores, genuine and impostor, by demographic group",
            unit="comparisons (20 per subject: 2 genuine, 18 impostor)",
        ),
        DatasetSpec(
            name="patrol_city",
            generator=generate_patrol_city,
            rows=400,
            seed=2026,
            summary="Module 01: true offending vs recorded incidents under uneven patrolling",
            unit="neighbourhoods, one table row per neighbourhood and week",
        ),
        DatasetSpec(
            name="risk_assessment",
            generator=generate_risk_assessment,
            rows=6000,
            seed=2026,
            summary="Modules 02-03: a pretrial risk-score cohort, re-arrest label and true outcome",
            unit="people",
        ),
        DatasetSpec(
            name="transaction_alerts",
            generator=generate_transaction_alerts,
            rows=200_000,
            seed=2026,
            summary="Module 04: bank accounts, rule-based alerts, a proxy feature, true laundering",
            unit="accounts",
        ),
        DatasetSpec(
            name="deepfake_detector_scores",
            generator=generate_deepfake_detector_scores,
            rows=20_000,
            seed=2026,
            summary="Module 06: a deepfake detector's scores on real and synthetic media, "
            "seen and unseen generators, compression",
            unit="media items",
        ),
        DatasetSpec(
            name="burglary_cases",
            generator=generate_burglary_cases,
            rows=20_000,
            seed=2026,
            summary="Module 07: reported burglaries a vendor's system would prioritise; an audit "
            "sample with outcomes and a shifted deployment sample without",
            unit="cases (audit and deployment samples together)",
        ),
        DatasetSpec(
            name="safeguarding_audit",
            generator=generate_safeguarding_audit,
            rows=10_000,
            seed=2026,
            summary="Module 07 assignment: past safeguarding reports of the audit area, with "
            "outcome, for auditing a vendor's flagging system",
            unit="reports",
        ),
        DatasetSpec(
            name="safeguarding_deployment",
            generator=generate_safeguarding_deployment,
            rows=6_000,
            seed=2027,
            summary="Module 07 assignment: reports of the deployment area and a later period, "
            "shifted, without outcomes",
            unit="reports",
        ),
    )
}


def names() -> list[str]:
    """Return the names of all registered datasets, sorted."""
    return sorted(_REGISTRY)


def spec(name: str) -> DatasetSpec:
    """Return the :class:`DatasetSpec` of ``name``; raise :class:`DatasetError` if unknown."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join(names())
        raise DatasetError(f"unknown dataset {name!r}; known datasets: {known}") from None


def generate(
    name: str, rows: int | None = None, seed: int | None = None, **effects: Any
) -> pd.DataFrame:
    """Generate dataset ``name`` afresh.

    Parameters
    ----------
    name:
        A registered dataset (see :func:`names`).
    rows:
        Size of the dataset in its unit (``spec(name).unit``: alerts, neighbourhoods, ...);
        defaults to the size of the committed CSV.
    seed:
        Random seed; defaults to the seed of the committed CSV. The same ``(rows, seed,
        effects)`` give the same table on every machine.
    **effects:
        Strengths of the generator's injected effects (see ``spec(name).effects`` and the
        dataset's datasheet). Unknown names are an error, not silently ignored.

    Examples
    --------
    >>> from rail import datasets
    >>> datasets.generate("anpr_alerts", rows=5, seed=1).shape
    (5, 6)
    """
    dataset = spec(name)
    rows = dataset.rows if rows is None else rows
    seed = dataset.seed if seed is None else seed
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise DatasetError(f"rows must be a positive whole number, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DatasetError(f"seed must be a whole number >= 0, got {seed!r}")
    unknown = sorted(set(effects) - set(dataset.effects))
    if unknown:
        allowed = ", ".join(sorted(dataset.effects)) or "none"
        raise DatasetError(
            f"unknown effect(s) {', '.join(unknown)} for dataset {name!r}; allowed: {allowed}"
        )
    try:
        return dataset.generator(rows, seed, **effects)
    except ValueError as err:
        raise DatasetError(f"dataset {name!r}: {err}") from None


def data_dir() -> Path:
    """Return the folder the committed CSVs are read from.

    Looked up in this order, so the same ``load`` call works everywhere:

    1. the folder named by the environment variable ``RAIL_DATA_DIR``;
    2. the copy packaged inside an installed wheel (``rail/_data``: a hub image, Binder);
    3. the ``datasets/`` folder of the repository the package was imported from (a clone with
       an editable install).
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        folder = Path(override)
        if not folder.is_dir():
            raise DatasetError(f"{DATA_DIR_ENV} is set to {override!r}, which is not a folder")
        return folder
    packaged = resources.files("rail") / "_data"
    if packaged.is_dir():
        return Path(str(packaged))
    repository = Path(__file__).resolve().parents[3] / "datasets"
    if repository.is_dir():
        return repository
    raise DatasetError(
        "cannot find the course datasets: the rail package was installed without its data. "
        f"Reinstall it from the course repository, or set {DATA_DIR_ENV} to the datasets/ folder."
    )


def csv_path(name: str) -> Path:
    """Return the path of the committed CSV of dataset ``name``."""
    return data_dir() / f"{spec(name).name}.csv"


def load(name: str) -> pd.DataFrame:
    """Load the committed copy of dataset ``name`` (the default parameters' output).

    Examples
    --------
    >>> from rail import datasets
    >>> datasets.load("anpr_alerts").shape
    (240, 6)
    """
    path = csv_path(name)
    if not path.is_file():
        raise DatasetError(
            f"dataset {name!r} is registered but its file {path} is missing; "
            "run `make datasets` in the course repository to rebuild it"
        )
    return pd.read_csv(path)


def write(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` to ``path`` as CSV or Parquet, chosen by the file extension.

    Missing parent folders are created. CSVs are written with ``\\n`` line endings and no
    index, so the same table gives the same bytes on every operating system.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet"}:
        raise DatasetError(f"cannot tell the format of {str(path)!r}: use a .csv or .parquet name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            frame.to_csv(path, index=False, lineterminator="\n")
        else:
            frame.to_parquet(path, index=False)
    except ImportError as err:
        raise DatasetError(f"writing Parquet needs pyarrow: {err}") from None
    except OSError as err:
        raise DatasetError(f"cannot write {str(path)!r}: {err.strerror or err}") from None
    return path


def rebuild(folder: str | os.PathLike[str]) -> list[Path]:
    """Regenerate every dataset at its defaults into ``folder`` (as ``<name>.csv``)."""
    return [write(generate(name), Path(folder) / f"{name}.csv") for name in names()]
