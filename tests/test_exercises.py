"""exercises/ is generated from solutions/ and committed; the two must not drift apart."""

import filecmp

import nbformat
import pytest

from autograder.course import EXERCISES, SOLUTIONS, assignments, is_test_cell, nbgrader_metadata
from autograder.generate import generate

ASSIGNMENTS = assignments()


def test_there_are_assignments():
    assert ASSIGNMENTS, f"no assignment notebooks found in {SOLUTIONS}"


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
def test_solution_notebook_is_committed_without_outputs(assignment):
    """Outputs make diffs unreadable and can leak hidden-test results."""
    notebook = nbformat.read(assignment.source / assignment.notebook, as_version=4)
    with_outputs = [index for index, cell in enumerate(notebook.cells)
                    if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not with_outputs, f"cells {with_outputs} have outputs: clear them before committing"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_exercise_holds_no_solution_and_no_hidden_test(assignment):
    text = (EXERCISES / assignment.name / assignment.notebook).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_every_test_cell_has_hidden_tests(assignment):
    """Hidden tests use other shapes and seeds, so a hard-coded answer cannot pass."""
    notebook = nbformat.read(assignment.source / assignment.notebook, as_version=4)
    for cell in filter(is_test_cell, notebook.cells):
        assert "### BEGIN HIDDEN TESTS" in cell.source, nbgrader_metadata(cell)["grade_id"]
