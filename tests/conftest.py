"""Fixtures shared by several test files."""

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
    reads the site: building it once saves about five minutes."""
    output = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT / "book"), "--path-output", str(output),
         "--warningiserror", "--keep-going"],
        capture_output=True, text=True, env={**os.environ, "PATH": f"{jupyter_book.parent}{os.pathsep}{os.environ['PATH']}"},
    )
    return result, output / "_build" / "html"
