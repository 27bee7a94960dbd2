"""What happened to each trainee's submission: a status, the score and notes."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GRADED = "graded"
NEEDS_REVIEW = "needs review"
NOT_GRADED = "not graded"
NOT_SUBMITTED = "not submitted"
GRADED_EARLIER = "graded earlier"
STATUSES = (GRADED, NEEDS_REVIEW, GRADED_EARLIER, NOT_GRADED, NOT_SUBMITTED)
"""Every status an outcome can have (``docs/instructors.md`` says what each means)."""
OUTCOME_COLUMNS = ["student", "status", "score", "max_score", "notes"]


@dataclass
class Outcome:
    """What happened to one trainee's submission."""

    student: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    """Seconds spent in each phase of grading (for the benchmark; not written out)."""

    def row(self) -> dict[str, Any]:
        return {"student": self.student, "status": self.status, "score": self.score,
                "max_score": self.max_score, "notes": "; ".join(self.notes)}


def write_outcomes(outcomes: Iterable[Outcome], path: Path) -> Path:
    """Write the outcomes as CSV (one row per trainee, sorted by id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTCOME_COLUMNS)
        writer.writeheader()
        for outcome in sorted(outcomes, key=lambda o: o.student):
            writer.writerow(outcome.row())
    return path
