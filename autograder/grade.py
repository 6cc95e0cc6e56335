"""Grade a folder of submissions and write a grades CSV.

Each submission is checked, copied into an nbgrader working folder and graded by
``nbgrader autograde`` in a process of its own with a time limit. Whatever goes
wrong with one submission (empty file, invalid notebook, an error, an endless
loop, a dead kernel) ends up as a reason in that student's row; it never stops
the grading of the others, and the submitted files are only read.
"""

import csv
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder import source
from autograder.course import nbgrader_metadata, run_nbgrader, write_config

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
NOTEBOOK_TIMEOUT = 900  # seconds a whole submission may take, by default


@dataclass
class Submission:
    student: str
    path: Path


@dataclass
class Row:
    student: str
    status: str = "graded"  # graded, or rejected / failed / timed out (scores are then zero)
    scores: dict = field(default_factory=dict)  # grade cell id -> points
    reasons: list = field(default_factory=list)
    seconds: float = 0.0  # time taken to grade it

    def total(self):
        return sum(self.scores.values())


def find_submissions(folder, assignment):
    """Submissions in ``folder``, in either layout.

    - nbgrader's: ``folder/STUDENT/ASSIGNMENT/*.ipynb``;
    - flat: ``folder/STUDENT.ipynb``.
    Returns (submissions, rows of folders that hold no usable notebook).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SystemExit(f"{folder} is not a folder of submissions.")
    submissions, problems = [], []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix == ".ipynb":
            submissions.append(Submission(path.stem, path))
        elif path.is_dir() and not path.name.startswith("."):
            notebooks = sorted((path / assignment.name).glob("*.ipynb"))
            if not notebooks:
                notebooks = sorted(path.glob("*.ipynb"))
            preferred = [p for p in notebooks if p.name == assignment.notebook]
            if preferred or len(notebooks) == 1:
                submissions.append(Submission(path.name, (preferred or notebooks)[0]))
            else:
                found = ", ".join(p.name for p in notebooks) or "none"
                problems.append(Row(path.name, "rejected", reasons=[
                    f"expected one notebook in {path.name}/{assignment.name}/ (ideally {assignment.notebook}); "
                    f"found: {found}"]))
    return submissions, problems


def read_submission(submission):
    """The submitted notebook, or a Row saying why it cannot be graded."""
    if not STUDENT_ID.match(submission.student):
        return Row(submission.student, "rejected", reasons=[
            "the student id may hold only letters, digits and . _ @ - (rename the file or folder)"])
    if submission.path.stat().st_size == 0:
        return Row(submission.student, "rejected", reasons=["the submitted file is empty"])
    try:
        notebook = nbformat.read(submission.path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds for bad JSON or schema
        summary = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        return Row(submission.student, "rejected", reasons=[f"not a valid notebook ({summary})"])
    return notebook


def _grade_id(cell):
    return nbgrader_metadata(cell).get("grade_id")


def restore_locked_cells(submitted, released):
    """Put back the locked cells (given code and tests) that a submission changed or deleted.

    Changed cells get their released source and metadata back; deleted ones are
    inserted after the nearest earlier cell of the release that the submission
    has. (nbgrader can add back deleted test cells itself, but only when the cell
    before them is graded, and it does not add back given code.) Returns the ids
    of the cells restored.
    """
    restored = []
    for cell in released.cells:
        meta = nbgrader_metadata(cell)
        if not meta.get("locked") or meta.get("solution"):
            continue
        position = {_grade_id(c): i for i, c in enumerate(submitted.cells) if _grade_id(c)}
        if meta["grade_id"] in position:
            own = submitted.cells[position[meta["grade_id"]]]
            if own.source == cell.source and own.metadata.get("nbgrader") == meta:
                continue
            submitted.cells[position[meta["grade_id"]]] = nbformat.from_dict(cell)
        else:
            earlier = [_grade_id(c) for c in released.cells[:released.cells.index(cell)]]
            found = [position[i] for i in earlier if i in position]
            submitted.cells.insert(max(found) + 1 if found else 0, nbformat.from_dict(cell))
        restored.append(meta["grade_id"])
    return restored


# Test cells call the checks of rnncourse.grading in the student's own kernel, so an answer
# cell could replace them. That cannot be prevented from inside the kernel; it is flagged.
TOUCHES_CHECKS = re.compile(r"\bchecks\.\w+\s*=[^=]|rnncourse\.grading|\bsetattr\s*\(|sys\.modules")


def touches_checks(notebook, released):
    """Student cells (answers, or cells they added) that look like they replace or reach into the checks.

    Returns their ids, or their positions for cells without one.
    """
    locked = {_grade_id(cell) for cell in released.cells if nbgrader_metadata(cell).get("locked")}
    return [_grade_id(cell) or f"cell {index + 1}" for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and _grade_id(cell) not in locked - {None}
            and TOUCHES_CHECKS.search(cell.source)]


def error_summaries(autograded_path, failed_ids):
    """For each failed test cell, the error it showed: {grade id: "AssertionError: ..."}."""
    summaries = {}
    notebook = nbformat.read(autograded_path, as_version=4)
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        if grade_id not in failed_ids:
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = (output.get("evalue") or "").strip().splitlines()
                summaries[grade_id] = f"{output.get('ename')}: {message[0] if message else ''}".strip(": ")
                break
    return summaries


class Grader:
    """Grades the submissions of one assignment in ``workdir``, which it rebuilds."""

    def __init__(self, assignment, workdir, cell_timeout=None, notebook_timeout=NOTEBOOK_TIMEOUT):
        self.assignment = assignment
        self.workdir = Path(workdir).resolve()
        self.notebook_timeout = notebook_timeout
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        self.release = self.workdir / "release"
        write_config(self.workdir, source.build(assignment, self.workdir / "source"), self.release, cell_timeout)
        # Records the assignment, its test cells and their points (hidden tests included) in the gradebook.
        result = run_nbgrader(self.workdir, "generate_assignment", assignment.name, "--force")
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stdout}")
        self.released = nbformat.read(self.release / assignment.name / assignment.notebook, as_version=4)
        with self.gradebook() as gradebook:
            notebook = gradebook.find_notebook(Path(assignment.notebook).stem, assignment.name)
            self.max_scores = {cell.name: cell.max_score for cell in notebook.grade_cells}

    def gradebook(self):
        return Gradebook(f"sqlite:///{self.workdir / 'gradebook.db'}")

    def grade(self, submission):
        notebook = read_submission(submission)
        if isinstance(notebook, Row):
            return self._zero(notebook)
        row = Row(submission.student)
        restored = restore_locked_cells(notebook, self.released)
        if restored:
            row.reasons.append(f"locked cells changed or deleted, graded with the originals: {', '.join(restored)}")
        suspicious = touches_checks(notebook, self.released)
        if suspicious:
            row.reasons.append(f"review by hand: cells {', '.join(suspicious)} reach into the grading checks")

        target = self.workdir / "submitted" / submission.student / self.assignment.name
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target / self.assignment.notebook)
        try:
            result = run_nbgrader(self.workdir, "autograde", self.assignment.name,
                                  f"--student={submission.student}", "--force",
                                  timeout=self.notebook_timeout)
        except subprocess.TimeoutExpired:
            row.status = "timed out"
            row.reasons.append(f"grading stopped after {self.notebook_timeout} s (an endless loop?)")
            return self._zero(row)

        scores = self._scores(submission.student)
        if result.returncode != 0 or scores is None:
            row.status = "failed"
            row.reasons.append("not graded: " + _failure_reason(result.stdout))
            return self._zero(row)
        row.scores = scores
        failed = [grade_id for grade_id, points in scores.items() if points < self.max_scores[grade_id]]
        autograded = self.workdir / "autograded" / submission.student / self.assignment.name / self.assignment.notebook
        if failed and autograded.exists():
            for grade_id, summary in error_summaries(autograded, failed).items():
                if summary.startswith("KeyboardInterrupt"):
                    summary = "stopped at the cell time limit (an endless loop?)"
                row.reasons.append(f"{grade_id}: {summary}")
        return row

    def feedback(self):
        """nbgrader generate_feedback: an HTML page per graded student, with every test's output."""
        result = run_nbgrader(self.workdir, "generate_feedback", self.assignment.name, "--force")
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader generate_feedback failed: {_failure_reason(result.stdout)}")
        return self.workdir / "feedback"

    def _scores(self, student):
        try:
            with self.gradebook() as gradebook:
                notebook = gradebook.find_submission_notebook(
                    Path(self.assignment.notebook).stem, self.assignment.name, student)
                return {grade.name: grade.score for grade in notebook.grades}
        except MissingEntry:
            return None

    def _zero(self, row):
        row.scores = {grade_id: 0.0 for grade_id in self.max_scores}
        return row


def write_csv(path, assignment, rows, max_scores):
    """One row per student: total, each graded cell, status and reasons. Written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = list(max_scores)
    header = ["student_id", "assignment", "score", "max_score", *cells, "status", "reasons"]
    with tempfile.NamedTemporaryFile("w", newline="", dir=path.parent, delete=False, suffix=".tmp") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in sorted(rows, key=lambda r: r.student):
            writer.writerow([row.student, assignment.name, _points(row.total()), _points(sum(max_scores.values())),
                             *(_points(row.scores.get(cell, 0.0)) for cell in cells),
                             row.status, "; ".join(row.reasons)])
    os.replace(handle.name, path)


def grade_folder(assignment, submissions_folder, out_csv, workdir, cell_timeout=None,
                 notebook_timeout=NOTEBOOK_TIMEOUT,
                 feedback=False, log=print):
    submissions, rows = find_submissions(submissions_folder, assignment)
    grader = Grader(assignment, workdir, cell_timeout, notebook_timeout)
    rows = [grader._zero(row) for row in rows]
    by_student = {}
    for submission in submissions:
        by_student.setdefault(submission.student, []).append(submission)
    for student, (submission, *others) in by_student.items():
        started = time.perf_counter()
        row = grader.grade(submission)
        row.seconds = time.perf_counter() - started
        if others:
            ignored = ", ".join(str(other.path) for other in others)
            row.reasons.append(f"graded {submission.path}; ignored other submissions: {ignored}")
        log(f"{row.student}: {_points(row.total())}/{_points(sum(grader.max_scores.values()))} {row.status}"
            f" in {row.seconds:.0f} s"
            + (f" ({'; '.join(row.reasons)})" if row.reasons else ""))
        rows.append(row)
    write_csv(out_csv, assignment, rows, grader.max_scores)
    if feedback:
        log(f"feedback pages: {grader.feedback()}/STUDENT/{assignment.name}/")
    return rows, grader.max_scores


def _points(value):
    return f"{value:g}"


# What nbgrader's log says when it gives up on a notebook, in words a student understands.
KNOWN_FAILURES = [
    ("DeadKernelError", "the Python kernel died while running the notebook "
                        "(does a cell exit Python, or use too much memory?)"),
    ("CellTimeoutError", "a cell ran past the time limit and did not stop when interrupted"),
]


def _failure_reason(output):
    output = output or ""
    for marker, reason in KNOWN_FAILURES:
        if marker in output:
            return reason
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    return (errors or lines or ["no output"])[-1][:300]
