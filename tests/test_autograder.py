"""Fast checks of the grader's parts that need no notebook execution."""

import nbformat
import pytest

from autograder import solutions
from autograder.generate import is_release_of
from autograder.layout import EXERCISES, assignment, assignments, is_test_cell, nbgrader_metadata
from autograder.submissions import Row, Submission, find_submissions, read_submission, restore_locked_cells

FIRST = assignments()[0]


def released():
    return nbformat.read(EXERCISES / FIRST.name / FIRST.notebook, as_version=4)


def code_ids(notebook):
    return [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells if cell.cell_type == "code"]


def test_deleted_locked_cells_come_back_in_their_place():
    notebook = released()
    notebook.cells = [cell for cell in notebook.cells if not nbgrader_metadata(cell).get("locked")]
    restored = restore_locked_cells(notebook, released())
    assert code_ids(notebook) == code_ids(released())
    assert "setup" in restored and all(cell_id in code_ids(released()) for cell_id in restored)


def test_changed_test_cell_and_its_metadata_are_restored():
    notebook = released()
    test_cell = next(filter(is_test_cell, notebook.cells))
    test_cell.source = "pass"
    test_cell.metadata["nbgrader"]["points"] = 100
    assert restore_locked_cells(notebook, released()) == [test_cell.metadata["nbgrader"]["grade_id"]]
    assert notebook == released()


def test_untouched_notebook_needs_no_restoring():
    assert restore_locked_cells(released(), released()) == []


def test_both_layouts_are_found(tmp_path):
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / "ben" / FIRST.name).mkdir(parents=True)
    (tmp_path / "ben" / FIRST.name / FIRST.notebook).write_text("{}")
    (tmp_path / "cid").mkdir()
    (tmp_path / "cid" / "a.ipynb").write_text("{}")
    (tmp_path / "cid" / "b.ipynb").write_text("{}")
    submissions, problems = find_submissions(tmp_path, FIRST)
    assert [(s.student, s.path.name) for s in submissions] == [("ann", "ann.ipynb"), ("ben", FIRST.notebook)]
    assert [(p.student, p.status) for p in problems] == [("cid", "rejected")]
    assert "a.ipynb, b.ipynb" in problems[0].reasons[0]


@pytest.mark.parametrize("content, reason", [
    ("", "empty"),
    ("{not json", "not a valid notebook"),
    ('{"cells": 3}', "not a valid notebook"),
])
def test_unreadable_files_are_rejected_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "dan.ipynb"
    path.write_text(content)
    row = read_submission(Submission("dan", path))
    assert isinstance(row, Row) and row.status == "rejected" and reason in row.reasons[0]


def test_unknown_assignment_names_the_known_ones():
    with pytest.raises(SystemExit, match=FIRST.name):
        assignment("no_such_assignment")


@pytest.mark.parametrize("item", assignments(), ids=lambda a: a.name)
def test_the_committed_exercise_is_taken_as_the_release(item):
    """The grader builds no release when exercises/ is current (generate_assignment takes seconds per run)."""
    released = nbformat.read(EXERCISES / item.name / item.notebook, as_version=4)
    assert is_release_of(released, solutions.load(item).notebook)


@pytest.mark.parametrize("change", ["points", "given code", "hidden case", "solution"])
def test_a_release_older_than_its_solutions_is_noticed(change):
    source = solutions.load(FIRST).notebook
    test_cell = next(filter(is_test_cell, source.cells))
    if change == "points":
        test_cell.metadata["nbgrader"]["points"] += 1
    elif change == "given code":
        next(c for c in source.cells if nbgrader_metadata(c).get("locked") and not is_test_cell(c)).source += "\nx = 1"
    elif change == "hidden case":
        test_cell.source = test_cell.source.replace("### END HIDDEN TESTS", "print(1)\n### END HIDDEN TESTS")
    else:
        answer = next(c for c in source.cells if nbgrader_metadata(c).get("solution"))
        answer.source = answer.source.replace("### BEGIN SOLUTION", "x = 1\n    ### BEGIN SOLUTION")
    assert is_release_of(released(), source) == (change == "hidden case")  # hidden tests are not released
