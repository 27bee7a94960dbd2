"""No unearned points: every route of issue 11, from the blank stub of every module, ends
"needs review" with no more points than the stub, beside the solution and the stub graded
normally. The control shows each route is real: nbgrader's own autograde gives it points.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from rail.instructor.outcomes import GRADED, NEEDS_REVIEW
from tests.attacks import PEEK, ROUTES, from_the_blank_stub
from tests.cohort import Cohort
from tests.course import NOTEBOOK, autograded_points
from tests.paths import MODULE_IDS

pytestmark = pytest.mark.slow


def trainee_id(route: str) -> str:
    return route.replace(" ", "-").replace("_", "").replace(".", "-")


def read_outcomes(course: Cohort, module: str) -> dict[str, dict[str, str]]:
    with (course.root / "outcomes" / f"{module}.csv").open() as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module", params=MODULE_IDS)
def graded(request, tmp_path_factory) -> Cohort:
    module = request.param
    course = Cohort(tmp_path_factory.mktemp(f"integrity-{module}"), module)
    course.submit_notebook("solution", course.solution())
    course.submit_notebook("stub", course.released)
    for route, attack in ROUTES.items():
        course.submit_notebook(trainee_id(route), from_the_blank_stub(course.released,
                                                                      attack.code))
    course.submit_notebook("peek", from_the_blank_stub(course.released, PEEK))
    course.output = course.autograde(module, "--jobs", "2")
    course.outcomes = read_outcomes(course, module)
    return course


def test_honest_work_is_graded_without_a_note(graded):
    course, found = graded, graded.outcomes
    full = sum(autograded_points(course.source).values())
    assert (found["solution"]["status"], float(found["solution"]["score"]),
            found["solution"]["notes"]) == (GRADED, full, ""), course.output
    assert (found["stub"]["status"], float(found["stub"]["score"]),
            found["stub"]["notes"]) == (GRADED, 0.0, "")


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_route_earns_nothing_and_needs_review(graded, route):
    row = graded.outcomes[trainee_id(route)]
    assert (row["status"], float(row["score"])) == (NEEDS_REVIEW, 0.0), row
    assert ROUTES[route].scan in row["notes"]
    if ROUTES[route].runtime:
        assert ROUTES[route].runtime in row["notes"]
    assert "points withheld for your review" in row["notes"]


def test_the_hidden_tests_are_out_of_sight_while_the_notebook_runs(graded):
    nb = nbformat.read(graded.root / "autograded" / "peek" / graded.module / NOTEBOOK,
                       as_version=4)
    printed = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                      for o in cell.outputs)
    assert "NOTEBOOKS [] []" in printed
    assert "READFAIL FileNotFoundError" in printed


def test_each_route_earns_points_from_nbgrader_alone(tmp_path):
    """The control: without rail.instructor's checks every route is an exploit."""
    module = MODULE_IDS[0]
    course = Cohort(tmp_path, module)
    for route, attack in ROUTES.items():
        course.submit_notebook(trainee_id(route), from_the_blank_stub(course.released,
                                                                      attack.code))
    course.nbgrader("autograde", module, "--force")
    for route in ROUTES:
        scores = course.cell_scores(module, trainee_id(route))
        assert sum(scores.values()) > 0, f"{route} earns nothing even from nbgrader alone"
