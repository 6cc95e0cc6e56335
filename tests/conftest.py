"""Fixtures and settings shared by several test files."""

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """One build of the website per test session, from scratch, into a temporary
    folder (book/_build is left alone). test_book checks the build, test_browser
    reads the site: building it once saves about five minutes. With BOOK_HTML
    set to a built site (book/_build/html after `make book`), that site is
    used instead, to rerun the browser tests quickly."""
    if os.environ.get("BOOK_HTML"):
        return subprocess.CompletedProcess([], 0, "", ""), Path(os.environ["BOOK_HTML"])
    # Under pytest-xdist each worker has its own session: the first to get here builds
    # the site in a folder all workers share, and the others wait for it and reuse it.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    output, record = shared / "book", shared / "book-build.json"
    with open(shared / "book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            jupyter_book = Path(sys.executable).parent / "jupyter-book"
            result = subprocess.run(
                [str(jupyter_book), "build", str(ROOT / "book"), "--path-output", str(output),
                 "--warningiserror", "--keep-going"],
                capture_output=True, text=True,
                env={**os.environ, "PATH": f"{jupyter_book.parent}{os.pathsep}{os.environ['PATH']}"},
            )
            record.write_text(json.dumps([result.returncode, result.stdout, result.stderr]))
        returncode, stdout, stderr = json.loads(record.read_text())
    return subprocess.CompletedProcess([], returncode, stdout, stderr), output / "_build" / "html"


def pytest_collection_modifyitems(items):
    """Keep the tests that share an expensive set-up on one worker under ``pytest -n`` (xdist, --dist loadgroup).

    A group is named for what it protects. ``chNN_topic``: that chapter's
    solved notebook (run once per worker by test_checks) and its folder graded
    once per worker by test_grading; test_grading's tests of the broken,
    tampered and attacking submissions read the folder of the chapter that
    holds them (test_grading.FIRST), and the attacks' fingerprint of the course
    must see no other test of theirs write into it. ``book``: the one build of
    the website. Different groups then run side by side on the two cores; a
    test that shares nothing costly (test_autograder's, say) runs wherever a
    worker is free.
    """
    for item in items:
        assignment = getattr(item, "callspec", None) and item.callspec.params.get("assignment")
        if assignment is not None:
            item.add_marker(pytest.mark.xdist_group(getattr(assignment, "name", str(assignment))))
        elif item.module.__name__ in ("test_book", "test_browser"):
            item.add_marker(pytest.mark.xdist_group("book"))
        elif item.module.__name__ == "test_grading":
            item.add_marker(pytest.mark.xdist_group(item.module.FIRST.name))


# Tests that need a system tool, by module: the tool and how to install it. Outside CI they skip
# when it is missing (under CI they fail); the end of the run then says so, see below.
NEEDS_A_TOOL = {
    "test_sandbox": ("bubblewrap (the grader's sandbox)",
                     "`make sandbox`, or on Debian/Ubuntu `sudo apt-get install bubblewrap`"),
    "test_browser": ("Chromium (the browser tests)",
                     "`make chromium` as root, or on Debian/Ubuntu `sudo apt-get install chromium`"),
    "test_report_browser": ("Chromium (the browser tests)",
                            "`make chromium` as root, or on Debian/Ubuntu `sudo apt-get install chromium`"),
}


def untested_for_want_of_a_tool(skipped):
    """{(tool, how to install it): [(test id, reason), ...]} for the skipped reports of tests that need a tool."""
    missing = {}
    for report in skipped:
        module = Path(report.nodeid.split("::")[0]).stem
        if module in NEEDS_A_TOOL:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            missing.setdefault(NEEDS_A_TOOL[module], []).append((report.nodeid, reason.removeprefix("Skipped: ")))
    return missing


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """The last words of a run that skipped the sandbox or the browser tests: which, why, how to install the tool.

    `-ra` lists every skip among the other short lines, where a passing run's
    reader does not look; this is printed after them (the outermost wrapper
    writes last), so that a green `make test` without bubblewrap or Chromium is
    not taken for a test of the grader's sandbox or of the website.
    """
    result = yield
    report_what_was_not_tested(terminalreporter)
    return result


def report_what_was_not_tested(terminalreporter):
    missing = untested_for_want_of_a_tool(terminalreporter.stats.get("skipped", []))
    if not missing:
        return
    terminalreporter.section("NOT TESTED: a tool is missing", sep="!", red=True, bold=True)
    for (tool, install), skipped in missing.items():
        tests = "1 test" if len(skipped) == 1 else f"{len(skipped)} tests"
        terminalreporter.write_line(f"{tests} SKIPPED: {tool} is missing here.", red=True, bold=True)
        terminalreporter.write_line(f"    why: {skipped[0][1]}")
        terminalreporter.write_line(f"    install it: {install}; then run the tests again.")
    terminalreporter.write_line("This run did not test those parts of the course, whatever its result says; "
                                "under CI (CI set, as in .ci/run) they fail instead of skipping.", red=True, bold=True)
