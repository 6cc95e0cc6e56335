"""The grader on folders of submissions: right, untouched, wrong, broken and tampered ones.

For every assignment, one folder is graded (as an instructor would) and each row
is checked: the solution scores full marks, the untouched exercise zero, and
a sample of the wrong submissions of tests/fixtures/<assignment>.py loses
exactly the test cells it lists. Every wrong submission is held to the same by
the fast tier (tests/test_checks.py), which judges the same plain data with the
grader's judge; a notebook run in the sandbox costs about 30 s, so grading all
of them here would take most of the time budget of ``make test``. The grader's handling of broken and tampered notebooks is
checked once, on the assignment whose fixtures list broken submissions.
"""

import csv
import hashlib
import html
import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest

import fixtures
from autograder import solutions
from autograder.grade import grade_folder
from autograder.layout import EXERCISES, ROOT, assignments, is_test_cell, nbgrader_metadata
from autograder.sandbox import GiB, MiB, Limits
from fixtures import Edit, apply, attacks, solved_exercise
from rnncourse.grading import ch02_rnn_model
from rnncourse.grading.question import Mistake

pytestmark = pytest.mark.slow

ASSIGNMENTS = assignments()
# Assignments whose fixtures exist; one without them fails the fast tier
# (test_checks.py::test_every_assignment_has_its_wrong_submissions) instead of breaking the collection here.
WITH_FIXTURES = [a for a in ASSIGNMENTS if fixtures.exists(a)]
# The grader's handling of broken and tampered notebooks is tested on one assignment:
# the one whose fixtures define BROKEN_SUBMISSIONS (chapter 2).
FIRST = next(a for a in WITH_FIXTURES if hasattr(fixtures.of(a), "BROKEN_SUBMISSIONS"))
CELL_TIMEOUT = 60  # seconds; the slowest cell of a solution takes about 10 alone (an endless loop costs this twice)
BROKEN = fixtures.of(FIRST).BROKEN_SUBMISSIONS
# A wrong answer whose tests are then neutralised or deleted must lose the same points.
TAMPERED_BASE = fixtures.of(FIRST).WRONG_SUBMISSIONS[0]
HONEST = next(wrong for wrong in fixtures.of(FIRST).WRONG_SUBMISSIONS if wrong.name == attacks.HONEST)
# Small enough for the bombs to hit them quickly; the solution needs about 1 GiB.
LIMITS = Limits(memory=int(2.5 * GiB), processes=256, output=32 * MiB)
JOBS = 2


def graded_sample(assignment):
    """The wrong submissions graded end to end: the first, and the one that loses most (it shows cascades)."""
    wrong = fixtures.of(assignment).WRONG_SUBMISSIONS
    sample = [wrong[0], max(wrong, key=lambda w: len(w.loses))]
    if assignment == FIRST:
        sample.append(HONEST)  # the attacks are built on it
    return list({w.name: w for w in sample}.values())


WRONG = [(a, wrong) for a in WITH_FIXTURES for wrong in graded_sample(a)]


def fingerprint(*folders):
    """{path: hash of its bytes} of every file under the folders (caches of the running tests left out)."""
    prints = {}
    for folder in folders:
        for path, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in {"__pycache__", ".pytest_cache", ".git"}]
            for name in files:
                full = Path(path, name)
                if full.is_symlink() or not full.is_file():
                    prints[str(full)] = f"link:{os.readlink(full)}" if full.is_symlink() else "special"
                    continue
                digest = hashlib.blake2b()
                with open(full, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        digest.update(chunk)
                prints[str(full)] = digest.hexdigest()
    return prints


class Listener:
    """A TCP server on the grader's loopback that records every connection (none may come)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            while True:
                self.connections.append(self.server.accept())
        except OSError:
            pass

    def close(self):
        self.server.close()


def graded_test_cells(notebook):
    return [cell for cell in notebook.cells if is_test_cell(cell)]


def neutralised(notebook):
    """Every test cell replaced by a line that passes: what a student tampering with the tests might do."""
    notebook = nbformat.from_dict(notebook)
    for cell in graded_test_cells(notebook):
        cell.source = "print('all tests passed')"
    return notebook


def without_locked_cells(notebook):
    """Every locked cell (setup, given code, tests) deleted."""
    notebook = nbformat.from_dict(notebook)
    notebook.cells = [cell for cell in notebook.cells
                      if not nbgrader_metadata(cell).get("locked") or nbgrader_metadata(cell).get("solution")]
    return notebook


def max_points(assignment):
    return {question.id: float(question.points) for question in solutions.load(assignment).questions}


def read_rows(path):
    with open(path, newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


class GradedFolders:
    """Grades each assignment's folder (nbgrader's layout) on first use, so ``-k chNN`` grades only that one."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.rows, self.workdirs, self.folders = {}, {}, {}
        self.before = self.after = None  # fingerprints of the course and its environment around the attacks
        self.connections = None

    def __getitem__(self, key):
        if isinstance(key, tuple):  # (name, "workdir")
            self[key[0]]
            return self.workdirs[key[0]]
        if key not in self.rows:
            self.grade(next(a for a in ASSIGNMENTS if a.name == key))
        return self.rows[key]

    def grade(self, assignment):
        folder = self.tmp.mktemp(f"submitted-{assignment.name}")
        solved = solved_exercise(assignment)

        def submit(student, notebook=None, text=None):
            path = folder / student / assignment.name / assignment.notebook
            path.parent.mkdir(parents=True)
            if notebook is not None:
                nbformat.write(notebook, path)
            else:
                path.write_text(text)

        submit("solution", solved)
        shutil.copytree(EXERCISES / assignment.name, folder / "untouched" / assignment.name)
        for wrong in (graded_sample(assignment) if fixtures.exists(assignment) else []):
            submit(wrong.name, apply(solved, wrong.edits))
        listener = None
        if assignment == FIRST:
            for wrong, _, _ in BROKEN:
                submit(wrong.name, apply(solved, wrong.edits))
            submit("tampered_tests", neutralised(apply(solved, TAMPERED_BASE.edits)))
            submit("deleted_locked_cells", without_locked_cells(apply(solved, TAMPERED_BASE.edits)))
            submit("empty", text="")
            submit("not_json", text="{ this is not a notebook")
            listener = Listener()
            for attack in attacks.submissions(HONEST, listener.port):
                submit(attack.name, apply(solved, attack.edits))
            self.before = fingerprint(ROOT, sys.prefix), fingerprint(folder)

        out = self.tmp.mktemp("grades") / "grades.csv"
        workdir = self.tmp.mktemp("work") / "nbgrader"
        grade_folder(assignment, folder, out, workdir, cell_timeout=CELL_TIMEOUT, notebook_timeout=600,
                     feedback=assignment == FIRST, jobs=JOBS, limits=LIMITS)
        if listener is not None:
            listener.close()
            self.connections = listener.connections
            self.after = fingerprint(ROOT, sys.prefix), fingerprint(folder)
        self.rows[assignment.name] = read_rows(out)
        self.workdirs[assignment.name] = workdir


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded[assignment name][student] is that student's CSV row; graded[name, "workdir"] the nbgrader folder."""
    return GradedFolders(tmp_path_factory)


def scores(row, assignment):
    return {grade_id: float(row[grade_id]) for grade_id in max_points(assignment)}


def expected_scores(assignment, loses):
    return {grade_id: 0.0 if grade_id in loses else points for grade_id, points in max_points(assignment).items()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_solution_scores_full_marks(graded, assignment):
    row = graded[assignment.name]["solution"]
    assert (row["status"], row["reasons"]) == ("graded", "")
    assert scores(row, assignment) == max_points(assignment)
    assert float(row["score"]) == float(row["max_score"]) == sum(max_points(assignment).values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_untouched_exercise_scores_zero_on_every_cell(graded, assignment):
    row = graded[assignment.name]["untouched"]
    assert row["status"] == "graded"
    assert scores(row, assignment) == expected_scores(assignment, set(max_points(assignment)))
    assert "NotImplementedError" in row["reasons"]


@pytest.mark.parametrize("assignment, wrong", WRONG, ids=[f"{a.name}-{w.name}" for a, w in WRONG])
def test_wrong_submission_loses_exactly_its_points(graded, assignment, wrong):
    row = graded[assignment.name][wrong.name]
    assert row["status"] == "graded", row["reasons"]
    assert scores(row, assignment) == expected_scores(assignment, wrong.loses), wrong.mistake
    for grade_id in wrong.loses:
        assert f"{grade_id}: " in row["reasons"], "each lost cell comes with its error"


@pytest.mark.parametrize("wrong, status, reason", BROKEN, ids=[w.name for w, _, _ in BROKEN])
def test_broken_submission_gets_a_row_a_score_and_a_reason(graded, wrong, status, reason):
    row = graded[FIRST.name][wrong.name]
    assert row["status"] == status
    assert reason in row["reasons"]
    assert scores(row, FIRST) == expected_scores(FIRST, wrong.loses if status == "graded" else set(max_points(FIRST)))


@pytest.mark.parametrize("student", ["tampered_tests", "deleted_locked_cells"])
def test_tests_are_restored_before_grading(graded, student):
    row = graded[FIRST.name][student]
    assert scores(row, FIRST) == expected_scores(FIRST, TAMPERED_BASE.loses)
    assert "locked cells changed or deleted, graded with the originals" in row["reasons"]


@pytest.mark.parametrize("student, reason", [("empty", "empty"), ("not_json", "not a valid notebook")])
def test_unreadable_submission_gets_a_row_and_a_reason(graded, student, reason):
    row = graded[FIRST.name][student]
    assert row["status"] == "rejected" and reason in row["reasons"]
    assert scores(row, FIRST) == expected_scores(FIRST, set(max_points(FIRST)))


def test_csv_has_one_row_per_student_and_a_column_per_test_cell(graded):
    rows = graded[FIRST.name]
    row = next(iter(rows.values()))
    assert list(row)[:4] == ["student_id", "assignment", "score", "max_score"]
    assert list(row)[4:-2] == list(max_points(FIRST))
    assert list(row)[-2:] == ["status", "reasons"]


def test_flat_folder_and_whole_notebook_time_limit(tmp_path):
    """STUDENT.ipynb files; one that outlives the notebook limit is stopped, the others are unaffected."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    nbformat.write(solved_exercise(FIRST), folder / "alice.ipynb")
    (folder / "bob.ipynb").write_text("")
    (folder / "not a valid id.ipynb").write_text("{}")
    out = tmp_path / "grades.csv"
    grade_folder(FIRST, folder, out, tmp_path / "work", cell_timeout=CELL_TIMEOUT, notebook_timeout=3)
    rows = read_rows(out)
    assert set(rows) == {"alice", "bob", "not a valid id"}
    assert rows["alice"]["status"] == "timed out" and "3 s" in rows["alice"]["reasons"]
    assert float(rows["alice"]["score"]) == 0
    assert rows["bob"]["status"] == "rejected" and "empty" in rows["bob"]["reasons"]
    assert "student id" in rows["not a valid id"]["reasons"]


def test_submissions_are_only_read(tmp_path):
    folder = tmp_path / "inbox"
    (folder / "carol" / FIRST.name).mkdir(parents=True)
    (folder / "carol" / FIRST.name / FIRST.notebook).write_text("{ broken")
    before = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    grade_folder(FIRST, folder, tmp_path / "grades.csv", tmp_path / "work")
    assert {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == before


def test_feedback_pages_show_students_why_they_lost_points(graded):
    feedback = graded[FIRST.name, "workdir"] / "feedback"
    page = feedback / TAMPERED_BASE.name / FIRST.name / FIRST.notebook.replace(".ipynb", ".html")
    assert page.exists(), sorted(str(p.relative_to(feedback)) for p in feedback.rglob("*.html"))
    first_lost = sorted(TAMPERED_BASE.loses)[0]
    text = page.read_text()
    assert first_lost in text and "AssertionError" in text


@pytest.mark.parametrize("attack", attacks.ATTACKS, ids=lambda a: a.name)
def test_attack_gains_nothing(graded, attack):
    """Graded in the same run as the honest answer it is built on: never more points, and no leak."""
    rows = graded[FIRST.name]
    row, honest = rows[attack.name], rows[HONEST.name]
    assert row["status"] == attack.status, row["reasons"]
    assert attack.says in row["reasons"]
    assert float(row["score"]) <= float(honest["score"]) == float(honest["max_score"]) - sum(
        max_points(FIRST)[cell] for cell in HONEST.loses)
    if attack.loses is not None:
        assert scores(row, FIRST) == expected_scores(FIRST, attack.loses)
    autograded = graded[FIRST.name, "workdir"] / "autograded" / attack.name / FIRST.name / FIRST.notebook
    if autograded.exists():  # what the attack printed: never what it was looking for
        outputs = [str(output) for cell in nbformat.read(autograded, as_version=4).cells
                   for output in cell.get("outputs", [])]
        assert not [output for output in outputs if attacks.LEAK in output]


def test_no_active_content_reaches_the_instructor(graded):
    """The autograded notebook and the feedback page of a submission that displays scripts, handlers, JavaScript
    and SVG hold none of them as markup (formgrader and the feedback pages open in the instructor's browser)."""
    workdir = graded[FIRST.name, "workdir"]
    autograded = workdir / "autograded" / "active_output" / FIRST.name / FIRST.notebook
    outputs = [output for cell in nbformat.read(autograded, as_version=4).cells for output in cell.get("outputs", [])]
    kinds = {kind for output in outputs for kind in output.get("data", {})}
    assert kinds <= {"text/plain", "image/png"}, kinds
    assert any("output removed by the grader" in str(output) for output in outputs)
    page = (workdir / "feedback" / "active_output" / FIRST.name / FIRST.notebook.replace(".ipynb", ".html")).read_text()
    for payload in (attacks.SCRIPT, attacks.HANDLER, "<svg onload", "alert('PWNED')</script>"):
        assert payload not in page
    assert "PWNED" in page  # shown as text


def test_grading_survives_answers_no_parser_can_read(graded):
    """A line nested 200,000 deep in the answers file (json.loads raises RecursionError) costs that line only:
    every row and the CSV are written (checked by the other tests of this folder), and the attack keeps its score."""
    rows = graded[FIRST.name]
    assert rows["deep_answers"]["status"] == "graded"
    assert scores(rows["deep_answers"], FIRST) == expected_scores(FIRST, HONEST.loses)
    assert float(rows["solution"]["score"]) == sum(max_points(FIRST).values())


def test_attacks_change_no_file_of_the_course_its_environment_or_the_submissions(graded):
    graded[FIRST.name]
    (course_before, submitted_before), (course_after, submitted_after) = graded.before, graded.after
    assert set(course_after) == set(course_before), set(course_after) ^ set(course_before)
    assert [path for path in course_before if course_after[path] != course_before[path]] == []
    assert submitted_after == submitted_before
    assert not Path("/tmp/pwned.txt").exists()


def test_attacks_reach_no_network(graded):
    graded[FIRST.name]
    assert graded.connections == []


def test_class_report_counts_what_the_csv_says(graded):
    """The report of the sandboxed run (tests/test_report.py checks it in depth on a class graded in-process)."""
    rows, workdir = graded[FIRST.name], graded[FIRST.name, "workdir"]
    page = (workdir / "report.html").read_text(encoding="utf-8")
    for name in ("scores", "questions", "times", "similarity"):
        assert (workdir / "report" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert "<script" not in page.lower()
    bias = ch02_rnn_model._state_mistakes(())[0].id  # b_a missing, seen when only the bias is left
    lost_bias = [s for s, row in rows.items() if row["status"] == "graded" and "add the bias b_a" in row["reasons"]]
    assert lost_bias  # the honest answer and the attacks built on it
    assert f'<td class="n">{len(lost_bias)}</td><td><code>{bias}</code></td>' in page
    section = page[page.index("<h2>Not graded</h2>"):page.index("<h2>Time per submission</h2>")]
    assert {s for s, row in rows.items() if row["status"] != "graded"} == \
        {s for s in rows if f"<tr><td>{html.escape(s)}</td>" in section}


def test_gradebook_holds_what_the_csv_says(graded):
    from nbgrader.api import Gradebook

    rows = graded[FIRST.name]
    with Gradebook(f"sqlite:///{graded[FIRST.name, 'workdir'] / 'gradebook.db'}") as gradebook:
        for student in ("solution", HONEST.name, "rewrites_gradebook", "memory_bomb"):
            submission = gradebook.find_submission(FIRST.name, student)
            assert submission.score == float(rows[student]["score"]), student


def test_dask_cluster_of_two_workers_grades_and_the_coordinator_writes(tmp_path):
    """--scheduler: the jobs go to a local Dask cluster of two worker processes; the CSV and the gradebook
    are written here, and the rows are the ones a local run gives."""
    from distributed import LocalCluster

    folder = tmp_path / "inbox"
    folder.mkdir()
    solved = solved_exercise(FIRST)
    nbformat.write(solved, folder / "alice.ipynb")
    nbformat.write(apply(solved, HONEST.edits), folder / "bob.ipynb")
    shutil.copy(EXERCISES / FIRST.name / FIRST.notebook, folder / "carol.ipynb")
    out = tmp_path / "grades.csv"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        rows, _ = grade_folder(FIRST, folder, out, tmp_path / "work", cell_timeout=CELL_TIMEOUT,
                               scheduler=cluster.scheduler_address, limits=LIMITS)
        workers = len(cluster.scheduler_info["workers"])
    assert workers == 2
    csv_rows = read_rows(out)
    assert float(csv_rows["alice"]["score"]) == sum(max_points(FIRST).values())
    assert scores(csv_rows["bob"], FIRST) == expected_scores(FIRST, HONEST.loses)
    assert float(csv_rows["carol"]["score"]) == 0 and csv_rows["carol"]["status"] == "graded"
    assert (tmp_path / "work" / "gradebook.db").exists()


def test_unsandboxed_grading_only_on_request_and_every_row_says_so(tmp_path, monkeypatch):
    from autograder import sandbox

    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(EXERCISES / FIRST.name / FIRST.notebook, folder / "dave.ipynb")
    (folder / "erin.ipynb").write_text("")
    monkeypatch.setattr(sandbox, "problem", lambda: "bubblewrap is not installed")
    with pytest.raises(sandbox.Unavailable, match="--unsandboxed"):
        grade_folder(FIRST, folder, tmp_path / "refused.csv", tmp_path / "work")
    assert not (tmp_path / "refused.csv").exists()
    grade_folder(FIRST, folder, tmp_path / "grades.csv", tmp_path / "work", cell_timeout=CELL_TIMEOUT,
                 sandboxed=False, jobs=1)
    rows = read_rows(tmp_path / "grades.csv")
    assert all("WITHOUT a sandbox" in row["reasons"] for row in rows.values())
    assert rows["dave"]["status"] == "graded" and float(rows["dave"]["score"]) == 0
