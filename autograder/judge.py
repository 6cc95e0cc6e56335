"""Verdicts, computed in the grader's process from the plain data a submission recorded.

``verdicts`` decides a submission's scores from what came out of its sandbox
(``autograder/execution.py``): a run stopped at a limit, or that did not
complete, scores zero with the reason; otherwise ``judge`` decides each question.

The student's kernel only ran each check's ``collect`` (``question.record``);
here the same check's ``judge`` runs for every case the grader declared,
visible and hidden, in the order of the declaration. The recorded lines are
trusted for nothing but their values: a question with no line, a line for
another number of cases, or data that are not plain scores zero.
"""

import contextlib
import importlib
import io
import json
import re
from dataclasses import dataclass

from rnncourse.grading import plain

MAX_REASON = 300  # characters of a failure message kept in the CSV


@dataclass(frozen=True)
class Verdict:
    points: float
    reason: str = ""  # why points were lost ("" when none were)
    mistake: str = ""  # id of the listed mistake the check diagnosed (question.Mistake.id), if one was


def read_answers(path, max_bytes):
    """{question id: list of results} from an answers file; later lines for a question replace earlier ones.

    Raises ValueError for a file that is too large. Lines that are not JSON are
    skipped: they cannot belong to any question.
    """
    if path.stat().st_size > max_bytes:
        raise ValueError(f"the recorded answers take {path.stat().st_size:,} bytes, more than the limit of {max_bytes:,}")
    return parse_answers(path.read_text(errors="replace"))


def parse_answers(text):
    """{question id: list of results} from the text of an answers file (see ``read_answers``).

    The text was written in the sandbox: a line that is not JSON, or that JSON
    cannot read (nested so deep that the parser runs out of stack and raises
    ``RecursionError``), is skipped like any other line that belongs to no question.
    """
    answers = {}
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError, MemoryError):
            continue
        if isinstance(entry, dict) and isinstance(entry.get("question"), str) and isinstance(entry.get("results"), list):
            answers[entry["question"]] = entry["results"]
    return answers


def judge(question, results):
    """The verdict on one question: full points if every case passes, else zero and the first failure.

    Whatever the recorded data are, this returns a verdict: a failure to judge
    them costs this question its points, never the grading run.
    """
    try:
        return _judge(question, results)
    except Exception as error:  # noqa: BLE001 (the data come from the sandbox: anything may break on them)
        return Verdict(0.0, f"the answers could not be judged ({type(error).__name__}: {_text(error)})")


def _text(value):
    """At most MAX_REASON characters of ``value`` as text, whatever it is (str() itself may fail on it)."""
    try:
        return str(value)[:MAX_REASON]
    except Exception:  # noqa: BLE001 (a structure too deep to print)
        return f"[a {type(value).__name__} that cannot be shown]"


def _judge(question, results):
    if results is None:
        return Verdict(0.0, "the test cell did not report (was it changed, or did an earlier cell stop the notebook?)")
    cases = question.all_cases()
    if not isinstance(results, list):
        return Verdict(0.0, "malformed answers")
    if len(results) != len(cases):
        return Verdict(0.0, f"answers recorded for {len(results)} cases, {len(cases)} expected")
    check = getattr(importlib.import_module(question.module), question.check)
    for number, (case, result) in enumerate(zip(cases, results), start=1):
        which = "visible" if number <= len(question.cases) else "hidden"
        if not isinstance(result, dict) or ("data" not in result and "error" not in result):
            return Verdict(0.0, f"{which} case {number}: malformed answers")
        if "error" in result:
            return Verdict(0.0, f"{which} case {number}: {_text(result['error'])}")
        try:
            data = plain.decode(result["data"])
            with contextlib.redirect_stdout(io.StringIO()):  # the judges' progress prints are for students
                check.judge(data, **case)
        except plain.NotPlainData as error:
            return Verdict(0.0, f"{which} case {number}: the answers are not plain data ({error})")
        except AssertionError as error:
            return Verdict(0.0, f"{which} case {number}: AssertionError: {_text(error)}", getattr(error, "mistake", ""))
        except Exception as error:  # noqa: BLE001 (malformed data can break a judge anywhere; RecursionError too)
            return Verdict(0.0, f"{which} case {number}: the answers could not be judged "
                                f"({type(error).__name__}: {_text(error)})")
    return Verdict(float(question.points))


# ---- a whole submission --------------------------------------------------------------------

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
        detail = outcome.runner.get("detail") or last_error(outcome.log) or "no output"
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


def last_error(log):
    """The last line of a run's output that names an exception, else its last line: why the run failed."""
    lines = [line.strip() for line in (log or "").splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    return (errors or lines or [""])[-1]
