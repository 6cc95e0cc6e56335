"""The submissions of a folder, read: which notebook is whose, which can be graded, and with which locked cells.

The submitted files are only read. A submission that cannot be graded (empty,
not a notebook, an id that could not be a file name) becomes a ``Row`` with the
reason, never an error of the run.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.layout import grade_id, nbgrader_metadata

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass
class Submission:
    student: str
    path: Path


@dataclass
class Row:
    """A student's row of the grades: the scores, and why points were lost."""

    student: str
    status: str = "graded"  # graded, or rejected / failed / timed out (scores are then zero)
    scores: dict = field(default_factory=dict)  # grade cell id -> points
    reasons: list = field(default_factory=list)
    seconds: float = 0.0  # time taken to grade it
    mistakes: dict = field(default_factory=dict)  # grade cell id -> id of the listed mistake diagnosed there

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


def restore_locked_cells(submitted, released):
    """Put back the locked cells (given code and tests) that a submission changed or deleted.

    Changed cells get their released source and metadata back; deleted ones are
    inserted after the nearest earlier cell of the release that the submission
    has. Returns the ids of the cells restored.
    """
    restored = []
    for cell in released.cells:
        meta = nbgrader_metadata(cell)
        if not meta.get("locked") or meta.get("solution"):
            continue
        position = {grade_id(c): i for i, c in enumerate(submitted.cells) if grade_id(c)}
        if meta["grade_id"] in position:
            own = submitted.cells[position[meta["grade_id"]]]
            if own.source == cell.source and own.metadata.get("nbgrader") == meta:
                continue
            submitted.cells[position[meta["grade_id"]]] = nbformat.from_dict(cell)
        else:
            earlier = [grade_id(c) for c in released.cells[:released.cells.index(cell)]]
            found = [position[i] for i in earlier if i in position]
            submitted.cells.insert(max(found) + 1 if found else 0, nbformat.from_dict(cell))
        restored.append(meta["grade_id"])
    return restored
