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

    A chapter's tests share its graded folder and its solved notebook; the website
    tests share one build. Different chapters then run side by side on the two cores.
    """
    for item in items:
        assignment = getattr(item, "callspec", None) and item.callspec.params.get("assignment")
        if assignment is not None:
            item.add_marker(pytest.mark.xdist_group(getattr(assignment, "name", str(assignment))))
        elif item.module.__name__ in ("test_book", "test_browser"):
            item.add_marker(pytest.mark.xdist_group("book"))
        elif hasattr(item.module, "FIRST"):  # test_grading's own tests grade the first chapter's folder
            item.add_marker(pytest.mark.xdist_group(item.module.FIRST.name))
