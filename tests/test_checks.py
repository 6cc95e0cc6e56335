"""The fast tier: every question's check against the solution, the untouched exercise and each wrong answer.

No nbgrader and no kernel: the notebooks' code runs in this process
(tests/inprocess.py), and each question's check runs on every case, visible and
hidden, the way the grader runs it: ``collect`` -> plain data -> ``judge``.
A wrong answer must fail each question it lists, with a message that names the
mistake; that it loses nothing else is proved end to end, through the grader,
by tests/test_grading.py (slow).
"""

import functools
import json

import pytest

import fixtures
import inprocess
from autograder import source
from autograder.course import EXERCISES, assignments
from autograder.judge import Verdict, judge
from fixtures import apply, solved_exercise
from rnncourse.grading import plain

import nbformat

@functools.cache
def questions(assignment):
    return source.load(assignment).questions


def _checks_in_two_halves(assignment):
    """Chapters still being rewritten have checks of the old kind (one function); they are left out here."""
    module = __import__(f"rnncourse.grading.{assignment.name}", fromlist=["_"])
    return all(hasattr(getattr(module, q.check), "collect") for q in questions(assignment))


ASSIGNMENTS = [a for a in assignments() if fixtures.exists(a) and _checks_in_two_halves(a)]
WRONG = [(a, wrong) for a in ASSIGNMENTS for wrong in fixtures.of(a).WRONG_SUBMISSIONS]


def verdict(question, namespace):
    """The grader's verdict on a question, with the data collected in this process."""
    check = getattr(__import__(question.module, fromlist=["_"]), question.check)
    results = []
    for case in question.all_cases():
        try:
            answers = [eval(argument, namespace) for argument in question.args]  # noqa: S307 (names in our notebooks)
            results.append({"data": plain.encode(check.collect(*answers, **case))})
        except Exception as error:  # noqa: BLE001 (wrong answers raise anything)
            results.append({"error": f"{type(error).__name__}: {error}"})
    return judge(question, json.loads(json.dumps(results)))  # as the grader reads them


@functools.cache
def solved_run(assignment):
    return inprocess.run(solved_exercise(assignment))


def verdicts(assignment, run, only=None):
    return {q.id: verdict(q, run.namespace) for q in questions(assignment) if only is None or q.id in only}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_solution_passes_every_case(assignment):
    run = solved_run(assignment)
    assert not run.errors, run.errors
    assert verdicts(assignment, run) == {q.id: Verdict(float(q.points)) for q in questions(assignment)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_untouched_exercise_fails_every_question(assignment):
    exercise = nbformat.read(EXERCISES / assignment.name / assignment.notebook, as_version=4)
    failed = {q: v for q, v in verdicts(assignment, inprocess.run(exercise)).items() if v.points == 0}
    assert set(failed) == {q.id for q in questions(assignment)}
    assert all("NotImplementedError" in v.reason or "not defined" in v.reason for v in failed.values()), failed


@pytest.mark.parametrize("assignment, wrong", WRONG, ids=[f"{a.name}-{w.name}" for a, w in WRONG])
def test_wrong_answer_fails_its_checks_and_says_why(assignment, wrong):
    solved = solved_exercise(assignment)
    notebook = apply(solved, wrong.edits)
    lost = [q for q in questions(assignment) if q.id in wrong.loses]
    run = inprocess.rerun(solved_run(assignment), solved, notebook, needed=_names(a for q in lost for a in q.args))
    failed = {q_id: v.reason for q_id, v in verdicts(assignment, run, only=wrong.loses).items() if v.points == 0}
    assert set(failed) == set(wrong.loses), f"{wrong.mistake}: {failed}"
    assert wrong.says, "say which words the message of this mistake must contain (WrongSubmission.says)"
    assert any(wrong.says in reason for reason in failed.values()), (
        f"{wrong.mistake}: no message names the mistake ({wrong.says!r}): {failed}")


def _names(expressions):
    return {name for expression in expressions for name in inprocess.names(expression)[1]}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_every_question_is_lost_by_some_plausible_wrong_answer(assignment):
    lost = set().union(*(wrong.loses for wrong in fixtures.of(assignment).WRONG_SUBMISSIONS))
    assert lost == {q.id for q in questions(assignment)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_hidden_cases_differ_from_the_visible_ones(assignment):
    for question in questions(assignment):
        assert question.hidden and not set(map(repr, question.hidden)) & set(map(repr, question.cases)), question.id
