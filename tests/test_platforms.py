"""Every way into a notebook: its first cell, the Binder/JupyterHub configuration, the launch links.

The cheap checks run always. Trying Colab and Binder for real (fresh virtual
environments with TensorFlow, about 10 min each) is scripts/try_platforms.py;
the tests at the end run it only when RNNCOURSE_TRY_PLATFORMS=1 asks for them
(they are skipped otherwise, even under `make test`).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

from autograder import launch, solutions
from autograder.layout import EXERCISES, assignments

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = assignments()


def first_code_cell(assignment):
    notebook = nbformat.read(EXERCISES / assignment.name / assignment.notebook, as_version=4)
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_first_code_cell_gets_the_course(assignment):
    cell = first_code_cell(assignment)
    assert cell.metadata["nbgrader"]["grade_id"] == solutions.FIRST_CELL_ID
    assert cell.metadata["nbgrader"]["locked"], "the grader restores it like the other given cells"
    assert cell.source == launch.first_cell()


def run_first_cell(monkeypatch, importable, repository="", env_repository=None):
    """Run the first cell's code here, with `importable` the modules it may find and pip replaced by a
    recorder (so the install never happens); returns (the pip commands, the error the cell raised)."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: real_find_spec(name, *args) if name in importable else None)
    installs = []
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: installs.append(command))
    if env_repository is None:
        monkeypatch.delenv("RNNCOURSE_REPOSITORY", raising=False)
    else:
        monkeypatch.setenv("RNNCOURSE_REPOSITORY", env_repository)
    try:
        exec(launch.first_cell(repository=repository), {"__name__": "__main__"})  # noqa: S102 (our own cell)
    except ModuleNotFoundError as error:
        return installs, str(error)
    return installs, None


PACKAGES = set(launch.NEEDS)
VERSION = launch.course_version()


def test_first_cell_installs_nothing_where_the_course_is_installed(monkeypatch, capsys):
    """`make lab`, Binder, a hub image and the grader's sandbox (no network): the cell only looks, silently."""
    assert run_first_cell(monkeypatch, PACKAGES | {"rnncourse"}, repository="https://github.com/o/r") == ([], None)
    assert capsys.readouterr().out == ""


def test_first_cell_installs_the_course_at_the_release_tag(monkeypatch, capsys):
    installs, error = run_first_cell(monkeypatch, PACKAGES, repository="https://github.com/o/r")
    package = f"rnncourse @ git+https://github.com/o/r@v{VERSION}"
    assert installs == [[sys.executable, "-m", "pip", "install", "--quiet", package]]
    assert f"Installing {package}" in capsys.readouterr().out
    # The recorder installed nothing: the cell then says, in one sentence, how to install it.
    assert error == f'This notebook needs the course package rnncourse {VERSION}: pip install "{package}".'


def test_first_cell_installs_from_the_copy_named_in_the_environment(monkeypatch):
    installs, _ = run_first_cell(monkeypatch, PACKAGES, repository="https://github.com/o/r",
                                 env_repository="file:///some/clone")
    assert installs[0][-1] == f"rnncourse @ git+file:///some/clone@v{VERSION}"


def test_first_cell_without_a_repository_says_how_to_install(monkeypatch):
    installs, error = run_first_cell(monkeypatch, PACKAGES, repository="")
    assert installs == []
    assert error.startswith(f"This notebook needs the course package rnncourse {VERSION}: clone the course's "
                            "repository and run `make lab` in it")


def test_first_cell_names_missing_tensorflow(monkeypatch):
    installs, error = run_first_cell(monkeypatch, PACKAGES - {"tensorflow"} | {"rnncourse"})
    assert installs == [] and error.startswith("This notebook needs tensorflow: install them")


def test_first_cell_warns_when_the_installed_course_is_another_version(monkeypatch, capsys):
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.1")
    run_first_cell(monkeypatch, PACKAGES | {"rnncourse"})
    assert f"rnncourse 0.0.1 is installed, but this notebook was written for {VERSION}" in capsys.readouterr().out


def test_release_tag_still_names_this_course():
    """The notebooks install rnncourse at tag v<version>: once that tag exists, rnncourse/ must not change
    without a new version (bump it in pyproject.toml, `make exercises`, commit, tag)."""
    tag = launch.release_tag()
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "-q", "--verify", f"refs/tags/{tag}"],
                      capture_output=True).returncode != 0:
        pytest.skip(f"no tag {tag} yet: the course has not been released at this version")
    changed = subprocess.run(["git", "-C", str(ROOT), "diff", "--name-only", tag, "--", "rnncourse"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert not changed, f"rnncourse/ changed since {tag}, which the notebooks install: {changed}"


def pins(path):
    lines = (ROOT / path).read_text().splitlines()
    return dict(line.strip().lower().split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_binder_installs_the_course_pins_and_the_course_after_the_copy():
    binder, course = pins("binder/requirements.txt"), pins("requirements.txt")
    assert {name: binder[name] for name in binder if name in course} == {name: course[name] for name in binder
                                                                            if name in course}
    assert set(launch.NEEDS) <= set(binder) and "nbgitpuller" in binder
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK) and "pip install --no-cache-dir --no-deps ." in post_build.read_text()


def test_jupyterhub_link_pulls_the_repository_and_opens_the_notebook():
    notebook = "exercises/ch01_notation/notation.ipynb"
    links = dict(launch.launch_links({**launch.DEFAULTS, "repository_url": "https://github.com/o/course",
                                      "jupyterhub_url": "https://hub.example.edu/"}, notebook))
    url = urlsplit(links["JupyterHub"])
    assert (url.netloc, url.path) == ("hub.example.edu", "/hub/user-redirect/git-pull")
    assert parse_qs(url.query) == {"repo": ["https://github.com/o/course"], "branch": ["main"],
                                   "urlpath": [f"lab/tree/course/{notebook}"]}
    assert links["Colab"] == f"https://colab.research.google.com/github/o/course/blob/main/{notebook}"
    assert links["Binder"].startswith("https://mybinder.org/v2/gh/o/course/main?labpath=exercises")


def test_links_command_lists_every_notebook(monkeypatch):
    """`python -m autograder links`: every notebook, with its nbgitpuller link once a hub and a repository are set."""
    import io

    monkeypatch.setattr(launch, "settings", lambda: {**launch.DEFAULTS, "repository_url": "https://github.com/o/r",
                                                     "jupyterhub_url": "https://hub.example.edu"})
    out = io.StringIO()
    launch.print_links(out)
    for a in ASSIGNMENTS:
        assert f"exercises/{a.name}/{a.notebook}\n  JupyterHub: https://hub.example.edu/hub/user-redirect/git-pull?" \
            in out.getvalue()


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("RNNCOURSE_TRY_PLATFORMS") != "1",
                    reason="installs TensorFlow in fresh venvs (about 10 min each): set RNNCOURSE_TRY_PLATFORMS=1")
@pytest.mark.parametrize("platform", ["dockerfile", "colab", "binder"])
def test_platform_from_a_clean_start(platform):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "try_platforms.py"), platform],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
