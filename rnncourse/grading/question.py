"""A check in two halves, so that a grade never depends on code in the student's process.

``collect`` runs where the student's code lives: it calls the student's
functions on the inputs of one case and returns what they gave, as plain data
(numbers, strings, lists, dicts, NumPy arrays). ``judge`` gets those data and
the same case, recomputes what is expected (from Keras with the same weights,
say) and raises ``AssertionError`` with a hint that names the likely mistake.

- In a notebook, ``check(*answers, **case)`` does both, so students see the
  same messages the grader gives.
- A ``Question`` declares which check a test cell runs, on what, for which
  cases (visible and hidden), and the points.
- When grading, the test cell is replaced by a call to ``record``, which only
  collects and appends the data to a file; the grader judges them in its own
  process (``autograder/judge.py``), which the student's code never touches.
"""

import contextlib
import hashlib
import importlib
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from rnncourse.grading import plain

ANSWERS_FILE = "RNNCOURSE_ANSWERS"  # environment variable: where ``record`` appends
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class Check:
    """One graded question's check: ``collect(*answers, **case) -> data`` and ``judge(data, **case)``."""

    title: str
    collect: Callable
    judge: Callable

    def __call__(self, *answers, **case):
        # nbgrader scores a test cell that writes to stderr as failed, so a harmless
        # warning (from Keras, say) printed while checking goes to stdout instead.
        with contextlib.redirect_stderr(sys.stdout):
            data = plain.round_trip(self.collect(*answers, **case))
            self.judge(data, **case)
        print(f"{self.title}: all checks passed.")


@dataclass(frozen=True)
class Question:
    """A graded question as its solution notebook declares it (read by autograder/solutions.py): the check of
    this module's chapter it runs, on which notebook names, for which cases; the test cell and the
    grading cell are written from it."""

    id: str
    points: float
    title: str
    module: str  # the chapter's checks, rnncourse.grading.NAME
    check: str
    args: tuple  # names (or expressions) in the notebook
    cases: tuple  # visible keyword arguments of the check, one dict per case
    hidden: tuple
    about: str = ""
    part: str = ""

    def all_cases(self):
        return [*self.cases, *self.hidden]

    def _call(self, case):
        arguments = [*self.args, *(f"{key}={value!r}" for key, value in case.items())]
        return f"checks.{self.check}({', '.join(arguments)})"

    def test_source(self, numpy_only=False):
        """The nbgrader test cell: visible cases, then the hidden ones between nbgrader's markers.

        A NumPy exercise's cell first warns about what would cost its points when graded (rnncourse/references.py).
        """
        points = f"{self.points:g} point{'s' if self.points != 1 else ''}"
        lines = [f"# Tests of {self.title} ({points}).", *self.about.splitlines()]
        if numpy_only:
            assignment = self.module.rsplit(".", 1)[-1]
            lines += ["# A NumPy exercise: answered with TensorFlow, Keras or the course's own code, it scores 0.",
                      "from rnncourse.references import warn_if_not_own",
                      f"warn_if_not_own({assignment!r}, {', '.join(self.args)})"]
        lines += [self._call(case) for case in self.cases]
        lines += ["### BEGIN HIDDEN TESTS", *(self._call(case) for case in self.hidden), "### END HIDDEN TESTS"]
        return "\n".join(lines)

    def collect_source(self):
        """What runs in the student's kernel instead of the test cell when grading: collect, decide nothing."""
        answers = f"lambda: [{', '.join(self.args)}]"
        return ("from rnncourse.grading.question import record as _record_answers\n"
                f"_record_answers({self.id!r}, {self.module!r}, {self.check!r}, {answers}, {self.all_cases()!r})")


# ---- likely mistakes as data ---------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong formula and what to tell the student who wrote it."""

    hint: str
    wrong: Callable  # problem -> the value that mistake gives

    @property
    def id(self):
        """A short name that stays the same while the hint does, so the class report can count who made it."""
        words = "-".join(re.findall(r"[a-z0-9_]+", self.hint.lower())[:5])
        return f"{words}-{hashlib.sha1(self.hint.encode()).hexdigest()[:6]}"


class Diagnosed(AssertionError):
    """A wrong answer that equals what a listed mistake gives: the message, and which mistake, as data."""

    def __init__(self, message, mistake):
        super().__init__(message)
        self.mistake = mistake.id


def diagnose(name, actual, expected, problem, mistakes=(), atol=1e-8, hint=""):
    """``actual`` must equal ``expected``; if it equals what a listed mistake gives, say that mistake.

    The mistakes are tried only when the answer is wrong, so a formula that
    happens to agree with a mistake on some input never costs a right answer.
    """
    from rnncourse.grading.checks import assert_close, is_close

    def same(value, reference):  # text (tokens, words) is compared exactly, numbers within atol
        if _is_text(value) or _is_text(reference):
            return value == reference
        return is_close(value, reference, atol=atol, rtol=atol)

    if same(actual, expected):
        return
    for mistake in mistakes:
        if same(actual, mistake.wrong(problem)):
            raise Diagnosed(f"`{name}` is wrong: {mistake.hint}", mistake)
    if _is_text(actual) or _is_text(expected):
        raise AssertionError(f"`{name}` is {actual!r}, expected {expected!r}. {hint}".strip())
    assert_close(name, actual, expected, atol=atol, rtol=atol, hint=hint)


def _is_text(value):
    return isinstance(value, str) or (isinstance(value, list) and any(isinstance(item, str) for item in value))


# ---- stand-ins: test one function with a known version of the one it calls ------------------


@contextlib.contextmanager
def stand_in(function, name, replacement):
    """While active, ``function`` calls ``replacement`` where it calls ``name``.

    A loop is then checked on its own: a bug in the cell it calls (graded
    elsewhere) is not charged twice.
    """
    namespace = function.__globals__
    assert name in namespace, f"`{function.__name__}` should call `{name}`."
    own, namespace[name] = namespace[name], replacement
    try:
        yield replacement
    finally:
        namespace[name] = own


class Recorder:
    """A stand-in that records its calls (as arrays) and answers with ``step(call_index, *args)``."""

    def __init__(self, step):
        self.step = step
        self.calls = []

    def __call__(self, *args):
        self.calls.append([np.array(arg, dtype=float) if _is_array(arg) else None for arg in args])
        return self.step(len(self.calls) - 1, *args)


def _is_array(value):
    return isinstance(value, (np.ndarray, float, int)) or hasattr(value, "__array__")


# ---- grading: collect only, and write the data down -----------------------------------------


def record(question, module, check, answers, cases):
    """Collect a question's data for every case and append one JSON line to $RNNCOURSE_ANSWERS.

    ``answers`` is a function returning the student's objects, so that a name the
    student never defined is recorded as the reason, not a crash of the cell.
    Nothing here decides anything: an error is written down as text.
    """
    collect = getattr(importlib.import_module(module), check).collect
    results = []
    for index, case in enumerate(cases):
        try:
            with contextlib.redirect_stderr(sys.stdout):
                results.append({"data": plain.encode(collect(*answers(), **case))})
        except KeyboardInterrupt:
            results += [{"error": "stopped at the cell time limit (an endless loop?)"}] * (len(cases) - index)
            break
        except BaseException as error:  # noqa: BLE001 (the student's code may raise anything)
            results.append({"error": _describe_error(error)})
    line = json.dumps({"question": question, "results": results}, separators=(",", ":"))
    with open(os.environ[ANSWERS_FILE], "a") as handle:
        handle.write(line + "\n")
    print(f"{question}: answers recorded for grading.")


def _describe_error(error):
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return text[:MAX_ERROR_LENGTH]
