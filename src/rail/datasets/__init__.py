"""The course's synthetic datasets.

Every dataset comes from a seeded generator with documented effect parameters; the committed
CSV in the repository's ``datasets/`` folder is the generator's output at its defaults, and
each has a datasheet (``datasets/<name>.md``).

>>> from rail import datasets
>>> datasets.names()[:3]
['anpr_alerts', 'burglary_cases', 'deepfake_detector_scores']
>>> alerts = datasets.load("anpr_alerts")                   # the committed copy
>>> other = datasets.generate("anpr_alerts", seed=7)        # a fresh draw
"""

from rail.datasets._registry import (
    DATA_DIR_ENV,
    DatasetError,
    DatasetSpec,
    csv_path,
    data_dir,
    generate,
    load,
    names,
    rebuild,
    spec,
    write,
)

__all__ = [
    "DATA_DIR_ENV",
    "DatasetError",
    "DatasetSpec",
    "csv_path",
    "data_dir",
    "generate",
    "load",
    "names",
    "rebuild",
    "spec",
    "write",
]
