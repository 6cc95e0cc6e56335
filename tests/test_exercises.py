"""exercises/ is generated from solutions/ and committed; the two must not drift apart."""

import filecmp
import importlib

import pytest

from autograder import solutions
from autograder.generate import generate
from autograder.layout import EXERCISES, SOLUTIONS, assignments, is_test_cell, nbgrader_metadata

ASSIGNMENTS = assignments()


def test_there_are_assignments():
    assert ASSIGNMENTS, f"no assignment notebooks found in {SOLUTIONS}"


@pytest.mark.slow  # nbgrader generates the exercise again; the other tests here take milliseconds
@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_committed_exercise_is_what_the_generate_command_makes(assignment, tmp_path):
    generated = generate(assignment, release_directory=tmp_path)
    committed = EXERCISES / assignment.name
    comparison = filecmp.dircmp(generated, committed)
    stale = comparison.left_only + comparison.right_only + filecmp.cmpfiles(
        generated, committed, comparison.common_files, shallow=False)[1]
    assert not stale, (
        f"exercises/{assignment.name} differs from solutions/{assignment.name} in {stale}: "
        "run `make exercises` and commit the result."
    )


def test_no_exercise_without_a_solution():
    assert {path.name for path in EXERCISES.iterdir() if path.is_dir()} == {a.name for a in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_every_question_names_a_check_of_its_chapter(assignment):
    checks = importlib.import_module(f"rnncourse.grading.{assignment.name}")
    for question in solutions.load(assignment).questions:
        assert hasattr(checks, question.check), f"{question.id}: rnncourse.grading.{assignment.name} has no {question.check}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_exercise_holds_no_solution_and_no_hidden_test(assignment):
    text = (EXERCISES / assignment.name / assignment.notebook).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_points_are_declared_once(assignment):
    """The test cells' metadata, their comments and the points table all come from the declarations."""
    built = solutions.load(assignment)
    tests = [cell for cell in built.notebook.cells if is_test_cell(cell)]
    assert [nbgrader_metadata(cell)["grade_id"] for cell in tests] == [q.id for q in built.questions]
    for cell, question in zip(tests, built.questions):
        assert nbgrader_metadata(cell)["points"] == question.points
        assert f"({question.points:g} point" in cell.source.splitlines()[0]
    total = sum(q.points for q in built.questions)
    assert f"**{total:g}**" in built.notebook.cells[0].source, "the points table is in the first cell"
