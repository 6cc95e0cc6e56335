"""The grader on a folder of submissions: right, untouched, wrong, broken and tampered ones.

The whole folder is graded once (as an instructor would), then each row is checked.
"""

import csv
import shutil

import nbformat
import pytest

from autograder.course import EXERCISES, assignment
from autograder.grade import grade_folder
from fixtures import Edit, apply, solved_exercise
from fixtures.ch02_rnn_model import (
    CELL_TESTS,
    ENDLESS_LOOP,
    IGNORES_INTERRUPT,
    KILLS_KERNEL,
    SYNTAX_ERROR,
    WRONG_SUBMISSIONS,
)

pytestmark = pytest.mark.slow

ASSIGNMENT = assignment("ch02_rnn_model")
CELL_TIMEOUT = 30  # seconds; the slowest cell of the solution takes about 10


def graded_test_cells(notebook):
    return [cell for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata["nbgrader"].get("solution")]


def neutralised(notebook):
    """Every test cell replaced by a line that passes: what a student tampering with the tests might do."""
    notebook = nbformat.from_dict(notebook)
    for cell in graded_test_cells(notebook):
        cell.source = "print('all tests passed')"
    return notebook


def without_test_cells(notebook):
    notebook = nbformat.from_dict(notebook)
    notebook.cells = [cell for cell in notebook.cells if cell not in graded_test_cells(notebook)]
    return notebook


MISSING_BIAS = next(w for w in WRONG_SUBMISSIONS if w.name == "missing_bias")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade one folder in nbgrader's layout (STUDENT/ASSIGNMENT/NOTEBOOK); return the CSV rows by student."""
    folder = tmp_path_factory.mktemp("submitted")
    solved = solved_exercise(ASSIGNMENT)

    def submit(student, notebook=None, text=None):
        path = folder / student / ASSIGNMENT.name / ASSIGNMENT.notebook
        path.parent.mkdir(parents=True)
        if notebook is not None:
            nbformat.write(notebook, path)
        else:
            path.write_text(text)

    submit("solution", solved)
    shutil.copytree(EXERCISES / ASSIGNMENT.name, folder / "untouched" / ASSIGNMENT.name)
    for wrong in [*WRONG_SUBMISSIONS, SYNTAX_ERROR, ENDLESS_LOOP, KILLS_KERNEL, IGNORES_INTERRUPT]:
        submit(wrong.name, apply(solved, wrong.edits))
    submit("tampered_tests", neutralised(apply(solved, MISSING_BIAS.edits)))
    submit("deleted_tests", without_test_cells(apply(solved, MISSING_BIAS.edits)))
    submit("empty", text="")
    submit("not_json", text="{ this is not a notebook")

    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    grade_folder(ASSIGNMENT, folder, out, tmp_path_factory.mktemp("work") / "nbgrader",
                 cell_timeout=CELL_TIMEOUT, notebook_timeout=600)
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {row["student_id"]: row for row in rows}


@pytest.fixture(scope="module")
def max_points():
    solution = nbformat.read(ASSIGNMENT.source / ASSIGNMENT.notebook, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
            for cell in graded_test_cells(solution)}


def scores(row, max_points):
    return {grade_id: float(row[grade_id]) for grade_id in max_points}


def expected_scores(max_points, loses):
    return {grade_id: 0.0 if grade_id in loses else points for grade_id, points in max_points.items()}


def test_solution_scores_full_marks(graded, max_points):
    row = graded["solution"]
    assert (row["status"], row["reasons"]) == ("graded", "")
    assert scores(row, max_points) == max_points
    assert float(row["score"]) == float(row["max_score"]) == sum(max_points.values())


def test_untouched_exercise_scores_zero_on_every_cell(graded, max_points):
    row = graded["untouched"]
    assert row["status"] == "graded"
    assert scores(row, max_points) == expected_scores(max_points, set(max_points))
    assert "NotImplementedError" in row["reasons"]


@pytest.mark.parametrize("wrong", WRONG_SUBMISSIONS + [SYNTAX_ERROR, ENDLESS_LOOP], ids=lambda w: w.name)
def test_wrong_submission_loses_exactly_its_points(graded, max_points, wrong):
    row = graded[wrong.name]
    assert row["status"] == "graded", row["reasons"]
    assert scores(row, max_points) == expected_scores(max_points, wrong.loses), wrong.mistake
    for grade_id in wrong.loses:
        assert f"{grade_id}: " in row["reasons"], "each lost cell comes with its error"


def test_every_test_cell_is_failed_by_some_plausible_wrong_answer(max_points):
    failed = set().union(*(wrong.loses for wrong in WRONG_SUBMISSIONS))
    assert failed == set(max_points)


def test_endless_loop_is_stopped_and_explained(graded):
    assert "stopped at the cell time limit" in graded[ENDLESS_LOOP.name]["reasons"]


def test_syntax_error_is_explained(graded):
    assert "NameError: name 'rnn_forward' is not defined" in graded[SYNTAX_ERROR.name]["reasons"]


@pytest.mark.parametrize("wrong, reason", [
    (KILLS_KERNEL, "kernel died"),
    (IGNORES_INTERRUPT, "did not stop when interrupted"),
], ids=["kills_kernel", "ignores_interrupt"])
def test_notebook_that_cannot_be_run_gets_zero_and_a_reason(graded, max_points, wrong, reason):
    row = graded[wrong.name]
    assert row["status"] == "failed"
    assert float(row["score"]) == 0
    assert reason in row["reasons"]


@pytest.mark.parametrize("student", ["tampered_tests", "deleted_tests"])
def test_tests_are_restored_before_grading(graded, max_points, student):
    row = graded[student]
    assert scores(row, max_points) == expected_scores(max_points, MISSING_BIAS.loses)
    assert "test cells changed or deleted, graded with the originals" in row["reasons"]


@pytest.mark.parametrize("student, reason", [("empty", "empty"), ("not_json", "not a valid notebook")])
def test_unreadable_submission_gets_a_row_and_a_reason(graded, max_points, student, reason):
    row = graded[student]
    assert row["status"] == "rejected" and reason in row["reasons"]
    assert scores(row, max_points) == expected_scores(max_points, set(max_points))


def test_csv_has_one_row_per_student_and_a_column_per_test_cell(graded, max_points):
    assert len(graded) == len({*graded})
    row = next(iter(graded.values()))
    assert list(row)[:4] == ["student_id", "assignment", "score", "max_score"]
    assert list(row)[4:-2] == list(max_points)
    assert list(row)[-2:] == ["status", "reasons"]


def test_flat_folder_and_whole_notebook_time_limit(tmp_path):
    """STUDENT.ipynb files; one that outlives the notebook limit is stopped, the others are unaffected."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    nbformat.write(apply(solved_exercise(ASSIGNMENT), ENDLESS_LOOP.edits), folder / "alice.ipynb")
    (folder / "bob.ipynb").write_text("")
    (folder / "not a valid id.ipynb").write_text("{}")
    out = tmp_path / "grades.csv"
    grade_folder(ASSIGNMENT, folder, out, tmp_path / "work", cell_timeout=CELL_TIMEOUT, notebook_timeout=5)
    with open(out, newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"alice", "bob", "not a valid id"}
    assert rows["alice"]["status"] == "timed out" and "5 s" in rows["alice"]["reasons"]
    assert rows["bob"]["status"] == "rejected" and "empty" in rows["bob"]["reasons"]
    assert "student id" in rows["not a valid id"]["reasons"]


def test_submissions_are_only_read(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "carol.ipynb").write_text("{ broken")
    before = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    grade_folder(ASSIGNMENT, folder, tmp_path / "grades.csv", tmp_path / "work")
    assert {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == before


def test_edits_that_no_longer_apply_fail_loudly():
    with pytest.raises(ValueError, match="no longer applies"):
        apply(solved_exercise(ASSIGNMENT), (Edit("rnn_forward", "text that is not there", ""),))
