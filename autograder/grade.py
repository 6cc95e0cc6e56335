"""Grade a folder of submissions and write the gradebook and a grades CSV.

A submission's code only ever runs in a sandbox (``autograder/sandbox.py``),
where it computes: each test cell is replaced by a cell that calls the
student's functions on the declared cases, visible and hidden, and writes what
they return as plain data to a file of the sandbox's private folder
(``rnncourse.grading.question.record``). After the sandbox has exited, this
process reads that file (size checked, plain JSON only) and judges every
answer itself (``autograder/judge.py``). A test cell that was blanked, wrapped
or never reported is worth zero; nothing the student's code writes is taken
for a score. The gradebook and the CSV are written here, by the coordinating
process alone.

Submissions are executed side by side (``jobs``), on this machine or on the
workers of a Dask cluster (``scheduler``). Whatever goes wrong with one
submission (empty file, invalid notebook, an error, an endless loop, a dead
kernel, a limit hit) ends up as a reason in that student's row; it never stops
the grading of the others, and the submitted files are only read.
"""

import csv
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from autograder import own_work, sandbox, sanitize, source
from autograder.course import is_test_cell, nbgrader_metadata, run_nbgrader, write_config
from autograder.judge import judge, parse_answers
from autograder.sandbox import Limits, read_output
from autograder.sanitize import csv_cell

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
NOTEBOOK_TIMEOUT = 900  # seconds a whole submission may take, by default
ANSWERS = "answers.jsonl"  # in the submission's private folder
MAX_SHOWN_OUTPUT = 20_000  # characters of one output kept in the autograded notebook (feedback pages)
UNSANDBOXED = "graded WITHOUT a sandbox (--unsandboxed): its code could change files and other grades"


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
    mistakes: dict = field(default_factory=dict)  # grade cell id -> id of the listed mistake diagnosed there

    def total(self):
        return sum(self.scores.values())


@dataclass(frozen=True)
class Job:
    """What a worker needs to execute one submission: plain data, no code of the grader's state."""

    student: str
    notebook: str  # JSON of the notebook to execute: the test cells replaced by collecting cells
    cell_timeout: int
    limits: Limits
    sandboxed: bool = True
    cpus: tuple = ()  # cores to run on (local jobs), or all
    modules: tuple = ()  # (module name, source): course modules as the sandbox shows them (autograder/own_work.py)


@dataclass
class Outcome:
    """What came out of a sandbox: data to be read with suspicion, never code."""

    student: str
    answers: str | None = None  # text of the answers file, or None if missing, a link, or too large
    executed: str | None = None  # JSON of the executed notebook (outputs for the feedback pages)
    runner: dict = field(default_factory=dict)  # the runner's status.json: {"status", "detail"}
    hits: list = field(default_factory=list)  # limits hit
    seconds: float = 0.0
    sandboxed: bool = True
    log: str = ""  # last lines of the run's output (for a failure reason)
    error: str = ""  # the worker could not run it at all


# ---- reading the submissions -----------------------------------------------------------------


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
    has. Returns the ids of the cells restored.
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


# ---- what runs in the sandbox ----------------------------------------------------------------


def grading_notebook(notebook, questions):
    """The notebook to execute: outputs cleared, each test cell replaced by the cell collecting its answers."""
    notebook = nbformat.from_dict(notebook)
    by_id = {question.id: question for question in questions}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        question = by_id.get(_grade_id(cell)) if is_test_cell(cell) else None
        if question is not None:
            cell.source = question.collect_source()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return notebook


def _visible_read_only():
    """Host folders the sandbox sees read-only: the course packages and the data. Never solutions/."""
    import autograder
    import rnncourse

    folders = [Path(rnncourse.__file__).parent, Path(autograder.__file__).parent]
    env = {}
    data = os.environ.get("RNNCOURSE_DATA")
    cache = Path.home() / ".keras" / "datasets" / "rnncourse"
    if not data and cache.is_dir():
        data = str(cache)  # the loaders' download cache, offered as the local data folder
    if data and Path(data).is_dir():
        folders.append(Path(data).resolve())
        env["RNNCOURSE_DATA"] = str(Path(data).resolve())
    return folders, env


def _course_overlays(modules, folder):
    """The course files the sandbox shows in place of this worker's own, and the folders of compiled copies it hides.

    The course's implementations of the exercises are not in these files
    (``autograder/own_work.py``), and ``__pycache__`` would still hold them compiled.
    """
    from rnncourse.references import module_path

    folder.mkdir()
    overlays, masks = [], set()
    for name, text in modules:
        path = module_path(name)
        copy = folder / f"{name}.py"
        copy.write_text(text)
        copy.chmod(0o644)
        overlays.append((copy, path))
        if (path.parent / "__pycache__").is_dir():
            masks.add(path.parent / "__pycache__")
    return overlays, sorted(masks)


def execute(job, workspace=None):
    """Execute one submission in a sandbox of its own and collect what it wrote; runs on any worker.

    The grader's state is not needed here: a Dask worker with the course
    installed runs this as well as a thread of the coordinating process.
    """
    started = time.monotonic()
    outcome = Outcome(job.student, sandboxed=job.sandboxed)
    if job.sandboxed and sandbox.problem():
        outcome.error = f"no sandbox on the worker: {sandbox.problem()}"
        return outcome
    base = Path(tempfile.mkdtemp(prefix=f"grade-{job.student}-", dir=workspace))
    try:
        private = base / "private"
        private.mkdir()
        (private / "notebook.ipynb").write_text(job.notebook)
        binds, env = _visible_read_only()
        inside = Path(sandbox.MOUNT) if job.sandboxed else private
        env["RNNCOURSE_ANSWERS"] = str(inside / ANSWERS)
        argv = [sys.executable, "-m", "autograder.runner", str(inside / "notebook.ipynb"),
                str(inside / "executed.ipynb"), f"--cell-timeout={job.cell_timeout}"]
        overlays, masks = _course_overlays(job.modules, base / "course")
        result = sandbox.run(argv, private, job.limits, sandboxed=job.sandboxed, extra_binds=binds, env=env,
                             cpus=job.cpus or None, log=base / "log.txt", overlays=overlays, masks=masks)
        outcome.hits = list(result.hits)
        answers = read_output(private / ANSWERS, job.limits.output)
        outcome.answers = answers.decode("utf-8", "replace") if answers is not None else None
        executed = read_output(private / "executed.ipynb", job.limits.output)
        outcome.executed = executed.decode("utf-8", "replace") if executed is not None else None
        status = read_output(private / "status.json", 10_000)
        try:
            runner = json.loads(status) if status else {}
            outcome.runner = {key: str(runner.get(key, ""))[:500] for key in ("status", "detail")} \
                if isinstance(runner, dict) else {}
        except (ValueError, RecursionError):
            outcome.runner = {}
        log = (base / "log.txt").read_bytes()[-4000:] if (base / "log.txt").exists() else b""
        outcome.log = log.decode("utf-8", "replace")
    except Exception as error:  # noqa: BLE001 (one submission's trouble never stops the others)
        outcome.error = f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(base, ignore_errors=True)
    outcome.seconds = time.monotonic() - started
    return outcome


# ---- judged here -----------------------------------------------------------------------------

# How a run that did not complete is reported, in words a student understands.
RUNNER_FAILURES = {
    "dead kernel": "the Python kernel died while running the notebook "
                   "(does a cell exit Python, or use too much memory?)",
    "cell timeout": "a cell ran past the time limit and did not stop when interrupted",
}


def verdicts(questions, outcome, limits, mistakes=None):
    """(status, {grade id: points}, reasons) for an outcome, decided in this process.

    Everything in an outcome came out of a sandbox: whatever fails while reading
    or judging it costs this submission its points, with the reason, never the run.
    ``mistakes``, a dict, receives {grade id: id of the listed mistake that question's check diagnosed}.
    """
    try:
        return _verdicts(questions, outcome, limits, mistakes)
    except Exception as error:  # noqa: BLE001 (hostile data may break anything; RecursionError included)
        return "failed", {question.id: 0.0 for question in questions}, [
            f"not graded: what the notebook recorded could not be read ({type(error).__name__})"]


def _verdicts(questions, outcome, limits, mistakes):
    zero = {question.id: 0.0 for question in questions}
    if outcome.error:
        return "failed", zero, [f"not graded: {outcome.error}"]
    if outcome.hits:
        status = "timed out" if "wall" in outcome.hits else "failed"
        reasons = [f"stopped: {limits.describe(hit)}" for hit in outcome.hits]
        if "wall" in outcome.hits:
            reasons = [f"grading stopped after {limits.wall:g} s (an endless loop?)"]
        return status, zero, reasons
    runner = outcome.runner.get("status")
    if runner in RUNNER_FAILURES:
        return "failed", zero, [f"not graded: {RUNNER_FAILURES[runner]}"]
    if runner != "completed":
        detail = outcome.runner.get("detail") or _last_error(outcome.log) or "no output"
        return "failed", zero, [f"not graded: the notebook could not be run ({detail[:300]})"]
    answers = parse_answers(outcome.answers or "")
    scores, reasons = {}, []
    for question in questions:
        verdict = judge(question, answers.get(question.id))
        scores[question.id] = verdict.points
        if verdict.reason:
            reasons.append(f"{question.id}: {verdict.reason}")
        if verdict.mistake and mistakes is not None:
            mistakes[question.id] = verdict.mistake
    return "graded", scores, reasons


def _last_error(log):
    lines = [line.strip() for line in (log or "").splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    return (errors or lines or [""])[-1]


# ---- the coordinating process ----------------------------------------------------------------


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
        from autograder.course import cell_timeout as configured

        self.cell_timeout = int(cell_timeout or configured())
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        self.release = self.workdir / "release"
        self.source = source.load(assignment)
        self.questions = self.source.questions
        # The judges run Keras here: its notices (tf.function retracing...) are not the instructor's news.
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        self.rules = own_work.Rules(assignment, self.source)
        self.modules = tuple(sorted(self.rules.sandbox_modules().items()))
        built = self.workdir / "source" / assignment.name / assignment.notebook
        built.parent.mkdir(parents=True)
        nbformat.write(self.source.notebook, built)
        write_config(self.workdir, self.workdir / "source", self.release, self.cell_timeout)
        # Records the assignment, its test cells and their points (hidden tests included) in the gradebook.
        result = run_nbgrader(self.workdir, "generate_assignment", assignment.name, "--force")
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stdout}")
        # The instructor's files leave the working folder: only the gradebook and results stay.
        shutil.rmtree(self.workdir / "source")
        self.released = nbformat.read(self.release / assignment.name / assignment.notebook, as_version=4)
        self.max_scores = {question.id: float(question.points) for question in self.questions}
        self._lock = threading.Lock()

    def gradebook(self):
        return Gradebook(f"sqlite:///{self.workdir / 'gradebook.db'}")

    def prepare(self, submission):
        """A Job for the submission, or a Row saying why it cannot be graded."""
        notebook = read_submission(submission)
        if isinstance(notebook, Row):
            return self._zero(notebook)
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
            grade_id = _grade_id(cell)
            if is_test_cell(cell) and grade_id in self.max_scores:
                if row.status == "graded" and grade_id not in lost:
                    text = f"{grade_id}: all checks passed, visible and hidden.\n"
                    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
                else:
                    why = lost.get(grade_id) or "; ".join(row.reasons) or "not graded"
                    cell.outputs = [nbformat.v4.new_output("error", ename="Failed", evalue=why, traceback=[why])]
            elif ran is not None:
                cell.outputs = [_cut(output) for output in sanitize.safe_outputs(ran.cells[index].get("outputs"))][:20]
        target = self.workdir / "autograded" / row.student / self.assignment.name / self.assignment.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(shown, target)

    def feedback(self):
        """nbgrader generate_feedback: an HTML page per graded student, with every test's verdict."""
        result = run_nbgrader(self.workdir, "generate_feedback", self.assignment.name, "--force")
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader generate_feedback failed: {_last_error(result.stdout)}")
        return self.workdir / "feedback"

    def _zero(self, row):
        row.scores = {grade_id: 0.0 for grade_id in self.max_scores}
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
    rows = [grader._zero(row) for row in rows]
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
    with _executor(jobs, scheduler) as executor:
        for student, (submission, *others) in by_student.items():
            prepared = grader.prepare(submission)
            if isinstance(prepared, Row):
                done(prepared, others)
                continue
            job, notebook, restored = prepared
            notebooks[student] = notebook
            pending[executor.submit(_execute_in_slot if scheduler is None else execute, job)] = \
                (student, notebook, restored, others)
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


# Local jobs take a free group of cores when they start (a job's slot is not known when it is queued).
_free_slots = None
_free_lock = threading.Lock()


def _execute_in_slot(job):
    with _free_lock:
        cpus = _free_slots.pop() if _free_slots else ()
    try:
        return execute(replace(job, cpus=cpus))
    finally:
        if cpus:
            with _free_lock:
                _free_slots.append(cpus)


class _executor:
    """A local pool of threads (each job is a sandboxed process), or a Dask cluster's executor."""

    def __init__(self, jobs, scheduler):
        self.jobs, self.scheduler = jobs, scheduler

    def __enter__(self):
        global _free_slots
        if self.scheduler:
            from distributed import Client

            self.client = Client(self.scheduler)
            self.pool = self.client.get_executor(pure=False)
        else:
            _free_slots = [slot for slot in core_slots(self.jobs) if slot]
            self.client, self.pool = None, ThreadPoolExecutor(max_workers=self.jobs)
        return self.pool

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True)
        if self.client is not None:
            self.client.close()


def _points(value):
    return f"{value:g}"
