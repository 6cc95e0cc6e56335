"""Grade a folder of submissions and write the gradebook and a grades CSV: the coordinating process.

Each submission is read (``autograder/submissions.py``), executed in a sandbox
of its own (``autograder/execution.py``) and judged here, in this process
(``autograder/judge.py``): a test cell that was blanked, wrapped or never
reported is worth zero; nothing the student's code writes is taken for a score.
The gradebook and the CSV are written here, by the coordinating process alone.

Submissions are executed side by side (``jobs``), on this machine or on the
workers of a Dask cluster (``scheduler``). Whatever goes wrong with one
submission (empty file, invalid notebook, an error, an endless loop, a dead
kernel, a limit hit) ends up as a reason in that student's row; it never stops
the grading of the others, and the submitted files are only read.
"""

import csv
import logging
import os
import shutil
import tempfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from autograder import generate, own_work, sandbox, sanitize, solutions
from autograder.execution import Job, Outcome, execute, grading_notebook
from autograder.judge import verdicts
from autograder.layout import grade_id, is_test_cell, nbgrader_metadata
from autograder.sandbox import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, Limits
from autograder.sanitize import csv_cell
from autograder.submissions import Row, find_submissions, read_submission, restore_locked_cells

MAX_SHOWN_OUTPUT = 20_000  # characters of one output kept in the autograded notebook (feedback pages)
UNSANDBOXED = "graded WITHOUT a sandbox (--unsandboxed): its code could change files and other grades"


class Grader:
    """Grades the submissions of one assignment; rebuilds ``workdir`` (gradebook, autograded notebooks)."""

    def __init__(self, assignment, workdir, cell_timeout=None, notebook_timeout=NOTEBOOK_TIMEOUT, limits=None,
                 sandboxed=True):
        if sandboxed:
            sandbox.require()
        self.assignment = assignment
        self.workdir = Path(workdir).resolve()
        self.limits = replace(limits or Limits(), wall=float(notebook_timeout))
        self.sandboxed = sandboxed
        self.cell_timeout = int(cell_timeout or CELL_TIMEOUT)
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        self.source = solutions.load(assignment)
        self.questions = self.source.questions
        # The judges run Keras here: its notices (tf.function retracing...) are not the instructor's news.
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        self.rules = own_work.Rules(assignment, self.source)
        self.modules = tuple(sorted(self.rules.sandbox_modules().items()))
        # The student notebook as handed out: exercises/, or generated again if solutions/ changed since.
        self.released = generate.current_release(assignment, self.source.notebook, self.workdir / "release")
        self.max_scores = {question.id: float(question.points) for question in self.questions}
        self._create_gradebook()
        self._lock = threading.Lock()

    def gradebook(self):
        return Gradebook(f"sqlite:///{self.workdir / 'gradebook.db'}")

    def _create_gradebook(self):
        """The assignment in nbgrader's gradebook, as generate_assignment would record it: its test cells
        with their points (from the declarations) and its answer cells (for nbgrader's comments)."""
        notebook_name = Path(self.assignment.notebook).stem
        path = os.environ.get("PATH")
        os.environ["PATH"] = generate.path_with_scripts()  # only while the gradebook is created (no thread runs yet)
        try:
            with warnings.catch_warnings(), self.gradebook() as gradebook:
                warnings.simplefilter("ignore", SAWarning)
                self._declare(gradebook, notebook_name)
        finally:
            if path is None:
                os.environ.pop("PATH", None)
            else:
                os.environ["PATH"] = path

    def _declare(self, gradebook, notebook_name):
        gradebook.update_or_create_assignment(self.assignment.name)
        gradebook.add_notebook(notebook_name, self.assignment.name)
        for question in self.questions:
            gradebook.add_grade_cell(question.id, notebook_name, self.assignment.name,
                                     max_score=float(question.points), cell_type="code")
        for cell in self.released.cells:
            if nbgrader_metadata(cell).get("solution"):
                gradebook.add_solution_cell(grade_id(cell), notebook_name, self.assignment.name)

    def prepare(self, submission):
        """A Job for the submission, or a Row saying why it cannot be graded."""
        notebook = read_submission(submission)
        if isinstance(notebook, Row):
            return self.zeroed(notebook)
        restored = restore_locked_cells(notebook, self.released)
        job = Job(submission.student, nbformat.writes(grading_notebook(notebook, self.questions)),
                  self.cell_timeout, self.limits, self.sandboxed, modules=self.modules)
        return job, notebook, restored

    def finish(self, outcome, notebook, restored):
        """Judge an outcome and record it: the row, the gradebook, the autograded notebook."""
        mistakes = {}
        status, scores, reasons = verdicts(self.questions, outcome, self.limits, mistakes)
        if status == "graded":
            scores, reasons = self._own_work(notebook, scores, reasons)
        row = Row(outcome.student, status, scores, seconds=outcome.seconds, mistakes=mistakes)
        if restored:
            row.reasons.append(f"locked cells changed or deleted, graded with the originals: {', '.join(restored)}")
        row.reasons += reasons
        with self._lock:
            self._record(row)
            try:
                self._write_autograded(row, notebook, outcome.executed, reasons)
            except Exception:  # noqa: BLE001 (outputs from the sandbox that cannot be shown: show none)
                self._write_autograded(row, notebook, None, reasons)
        return row

    def _own_work(self, notebook, scores, reasons):
        """A NumPy exercise answered with TensorFlow, Keras or the course's checks scores 0 (autograder/own_work.py)."""
        try:
            borrowed = self.rules.borrowed(notebook)
        except Exception as error:  # noqa: BLE001 (a submission's code that the reading cannot handle)
            borrowed = {question_id: f"its answer could not be read ({type(error).__name__})"
                        for question_id in self.rules.numpy}
        borrowed = {question_id: why for question_id, why in borrowed.items() if scores.get(question_id)}
        scores = {**scores, **{question_id: 0.0 for question_id in borrowed}}  # (already lost: its own reason stays)
        return scores, reasons + [f"{question_id}: {why}" for question_id, why in borrowed.items()]

    def _record(self, row):
        """The row's scores in nbgrader's gradebook, for nbgrader's own tools (export, formgrader, feedback)."""
        notebook_name = Path(self.assignment.notebook).stem
        with warnings.catch_warnings(), self.gradebook() as gradebook:
            # nbgrader's queries make SQLAlchemy warn (SAWarning) several times per student: not the instructor's news.
            warnings.simplefilter("ignore", SAWarning)
            gradebook.update_or_create_student(row.student)
            gradebook.update_or_create_submission(self.assignment.name, row.student)
            submitted = gradebook.find_submission_notebook(notebook_name, self.assignment.name, row.student)
            for grade in submitted.grades:
                grade.auto_score = row.scores.get(grade.name, 0.0)
                grade.needs_manual_grade = False
            gradebook.db.commit()

    def _write_autograded(self, row, notebook, executed, reasons):
        """The submission as graded: its cells' outputs (cut to size, nothing active) and each test cell's verdict."""
        shown = sanitize.safe_notebook(nbformat.from_dict(notebook), self.released)
        ran = None
        if executed:
            try:
                ran = nbformat.reads(executed, as_version=4)
            except Exception:  # noqa: BLE001 (written in the sandbox: may be anything)
                ran = None
        if ran is not None and len(ran.cells) != len(shown.cells):
            ran = None
        lost = {reason.split(": ", 1)[0]: reason.split(": ", 1)[1] for reason in reasons if ": " in reason}
        for index, cell in enumerate(shown.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = [], None
            cell_id = grade_id(cell)
            if is_test_cell(cell) and cell_id in self.max_scores:
                if row.status == "graded" and cell_id not in lost:
                    text = f"{cell_id}: all checks passed, visible and hidden.\n"
                    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
                else:
                    why = lost.get(cell_id) or "; ".join(row.reasons) or "not graded"
                    cell.outputs = [nbformat.v4.new_output("error", ename="Failed", evalue=why, traceback=[why])]
            elif ran is not None:
                cell.outputs = [_cut(output) for output in sanitize.safe_outputs(ran.cells[index].get("outputs"))][:20]
        target = self.workdir / "autograded" / row.student / self.assignment.name / self.assignment.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(shown, target)

    def feedback(self):
        """nbgrader generate_feedback: an HTML page per graded student, with every test's verdict."""
        return generate.feedback(self.workdir, self.assignment)

    def zeroed(self, row):
        """``row`` (a submission not graded) with every question at 0 points, so that the CSV lists them all."""
        row.scores = {question_id: 0.0 for question_id in self.max_scores}
        return row


def _cut(output):
    """An output of the student's run, without anything large (a 100 MB print stays out of the gradebook)."""
    output = nbformat.from_dict(output)
    if output.get("output_type") == "stream":
        text = str(output.get("text", ""))
        if len(text) > MAX_SHOWN_OUTPUT:
            output.text = text[:MAX_SHOWN_OUTPUT] + f"\n[... {len(text) - MAX_SHOWN_OUTPUT:,} more characters cut]\n"
    elif "data" in output:
        data = {key: value for key, value in output.data.items() if len(str(value)) <= 10 * MAX_SHOWN_OUTPUT}
        output.data = data or {"text/plain": "[output too large, cut]"}
    return output


def write_csv(path, assignment, rows, max_scores):
    """One row per student: total, each graded cell, status and reasons. Written atomically.

    Text a student can influence (the id, the reasons with their errors) never starts a formula.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = list(max_scores)
    header = ["student_id", "assignment", "score", "max_score", *cells, "status", "reasons"]
    with tempfile.NamedTemporaryFile("w", newline="", dir=path.parent, delete=False, suffix=".tmp") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in sorted(rows, key=lambda r: r.student):
            writer.writerow([csv_cell(row.student), csv_cell(assignment.name), _points(row.total()),
                             _points(sum(max_scores.values())), *(_points(row.scores.get(cell, 0.0)) for cell in cells),
                             csv_cell(row.status), csv_cell("; ".join(row.reasons))])
    os.replace(handle.name, path)


def default_jobs():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def core_slots(jobs):
    """The cores of each local job: the machine's cores shared out, so jobs do not fight over them."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if jobs <= 1 or len(cores) < jobs:
        return [()] * max(jobs, 1)
    share = len(cores) // jobs
    return [tuple(cores[i * share:(i + 1) * share]) for i in range(jobs)]


def grade_folder(assignment, submissions_folder, out_csv, workdir, cell_timeout=None,
                 notebook_timeout=NOTEBOOK_TIMEOUT, feedback=False, log=print, jobs=None, scheduler=None,
                 limits=None, sandboxed=True, similarity_threshold=None):
    """Grade every submission of ``submissions_folder``; returns (rows, max_scores).

    ``jobs`` submissions run side by side on this machine (default: one per core),
    or, with ``scheduler`` (a Dask scheduler's address), on that cluster's workers.
    The class report (``autograder/report.py``) is written into ``workdir`` and summed up in ``log``;
    ``similarity_threshold`` is the share of shared answer code from which it lists a pair of students.
    """
    submissions, rows = find_submissions(submissions_folder, assignment)
    grader = Grader(assignment, workdir, cell_timeout, notebook_timeout, limits, sandboxed)
    if not sandboxed:
        log(f"warning: {UNSANDBOXED}")
    rows = [grader.zeroed(row) for row in rows]
    by_student = {}
    for submission in submissions:
        by_student.setdefault(submission.student, []).append(submission)
    total = _points(sum(grader.max_scores.values()))

    def done(row, others):
        if others:
            row.reasons.append(f"graded {by_student[row.student][0].path}; ignored other submissions: "
                               + ", ".join(str(other.path) for other in others))
        log(sanitize.one_line(f"{row.student}: {_points(row.total())}/{total} {row.status} in {row.seconds:.0f} s"
                              + (f" ({'; '.join(row.reasons)})" if row.reasons else "")))
        rows.append(row)

    jobs = jobs or default_jobs()
    pending, notebooks = {}, {}
    with Workers(jobs, scheduler) as workers:
        for student, (submission, *others) in by_student.items():
            prepared = grader.prepare(submission)
            if isinstance(prepared, Row):
                done(prepared, others)
                continue
            job, notebook, restored = prepared
            notebooks[student] = notebook
            pending[workers.submit(job)] = (student, notebook, restored, others)
        for future in as_completed(pending):
            student, notebook, restored, others = pending[future]
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 (a lost worker costs one row, not the run)
                outcome = Outcome(student, error=f"{type(error).__name__}: {error}")
            done(grader.finish(outcome, notebook, restored), others)
    if not sandboxed:
        for row in rows:
            row.reasons.append(UNSANDBOXED)
    write_csv(out_csv, assignment, rows, grader.max_scores)
    try:
        from autograder import report

        written = report.write(grader.workdir, assignment, rows, grader.questions, grader.max_scores, notebooks,
                               grader.released, similarity_threshold)
        for line in written.summary:
            log(line)
    except Exception as error:  # noqa: BLE001 (the grades are written; a report that fails must not hide them)
        log(f"class report not written: {type(error).__name__}: {error}")
    if feedback:
        log(f"feedback pages: {grader.feedback()}/STUDENT/{assignment.name}/")
    return rows, grader.max_scores


class Workers:
    """Where submissions execute: a local pool of threads (each job a sandboxed process) or a Dask cluster.

    Local jobs take a free group of cores when they start (a job's group is not
    known when it is queued) and give it back when they end.
    """

    def __init__(self, jobs, scheduler=None):
        self.jobs, self.scheduler, self.client = jobs, scheduler, None
        self._free_cores = [cores for cores in core_slots(jobs) if cores]
        self._lock = threading.Lock()

    def __enter__(self):
        if self.scheduler:
            from distributed import Client

            self.client = Client(self.scheduler)
            self.pool = self.client.get_executor(pure=False)
        else:
            self.pool = ThreadPoolExecutor(max_workers=self.jobs)
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True)
        if self.client is not None:
            self.client.close()

    def submit(self, job):
        """A future of the job's Outcome."""
        return self.pool.submit(execute if self.scheduler else self._execute_on_free_cores, job)

    def _execute_on_free_cores(self, job):
        with self._lock:
            cpus = self._free_cores.pop() if self._free_cores else ()
        try:
            return execute(replace(job, cpus=cpus))
        finally:
            if cpus:
                with self._lock:
                    self._free_cores.append(cpus)


def _points(value):
    return f"{value:g}"
