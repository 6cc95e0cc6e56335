"""One submission executed in a sandbox of its own, on any worker: what goes in (a Job) and what comes out (an Outcome).

A submission's code only ever runs in a sandbox (``autograder/sandbox.py``),
where it computes: each test cell is replaced by a cell that calls the
student's functions on the declared cases, visible and hidden, and writes what
they return as plain data to a file of the sandbox's private folder
(``rnncourse.grading.question.record``). What comes out is data to be read with
suspicion (sizes checked), never code; it is judged in the grader's process
(``autograder/judge.py``).
"""

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import sandbox
from autograder.layout import grade_id, is_test_cell
from autograder.sandbox import Limits, read_output

ANSWERS = "answers.jsonl"  # in the submission's private folder


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


def grading_notebook(notebook, questions):
    """The notebook to execute: outputs cleared, each test cell replaced by the cell collecting its answers."""
    notebook = nbformat.from_dict(notebook)
    by_id = {question.id: question for question in questions}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        question = by_id.get(grade_id(cell)) if is_test_cell(cell) else None
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
