"""nbgrader configuration of the RAIL course.

The course folders map onto nbgrader's as follows (assignment id = module id):

    solutions/<module>/assignment.ipynb   nbgrader "source": solutions, hidden tests, rubrics
    exercises/<module>/assignment.ipynb   nbgrader "release": what trainees receive
    submitted/, autograded/, feedback/    created by nbgrader when an instructor grades

`make exercises` runs `nbgrader generate_assignment` for every module.
"""

from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "rail"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Released notebooks carry no outputs, and every stub raises until it is answered.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A trainee's notebook must not run away with the grader: each cell gets at most this long.
c.ExecutePreprocessor.timeout = 120
