"""How a student's notebook reaches a Python that can run it: launch links and the notebook's first code cell.

The one place for the launch settings is ``exercise_launch`` in book/_config.yml;
the website (book/_ext/course_site.py), the generator and ``python -m
autograder links`` all read them here.

Which course a notebook installs. A notebook opened where the course is not
installed (Colab, a downloaded file) installs the package ``rnncourse`` with pip
from the repository in ``exercise_launch``, at the git tag ``v<version>``, the
version in pyproject.toml. A tag, not a commit hash: the exercises are
generated and committed in the same commit, so that commit's hash cannot be
written into them, and a hash of a later commit would change every notebook on
every commit (tests/test_exercises.py compares exercises/ with a fresh
generation). The version changes only on a release: the instructor bumps it,
runs ``make exercises``, commits, and tags that commit ``v<version>``; the tag
then names the commit the exercises were generated from.
tests/test_platforms.py checks that rnncourse/ has not changed since that tag
where the tag exists. Binder and a JupyterHub image install the checkout they
were built from, so their course is the notebook's commit by construction.
"""

import tomllib
from pathlib import Path
from urllib.parse import quote, urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "book" / "_config.yml"

DEFAULTS = {
    "repository_url": "",   # https://github.com/OWNER/REPO: Binder and Colab buttons
    "branch": "main",
    "jupyterhub_url": "",   # https://hub.example.edu: JupyterHub button
    "binderhub_url": "https://mybinder.org",
    "colab": True,          # Colab opens notebooks of public GitHub repositories
}

# What the notebooks import beside the course package, as pip names them.
NEEDS = ("numpy", "tensorflow", "keras", "matplotlib")


def settings(config=CONFIG):
    """``exercise_launch`` of book/_config.yml, with the defaults for what it leaves out."""
    book = yaml.safe_load(Path(config).read_text())
    return {**DEFAULTS, **book["sphinx"]["config"].get("exercise_launch", {})}


def course_version():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def release_tag(version=None):
    return f"v{version or course_version()}"


def launch_links(launch, notebook):
    """(label, url) of each launch button the settings allow; notebook is the
    path from the repository root, e.g. exercises/ch01_notation/notation.ipynb."""
    repository = launch["repository_url"].rstrip("/")
    branch = launch["branch"]
    links = []
    hub = launch["jupyterhub_url"].rstrip("/")
    if hub and repository:
        # nbgitpuller clones (or updates) the repository into the user's home.
        folder = repository.rsplit("/", 1)[-1]
        query = urlencode({"repo": repository, "branch": branch,
                           "urlpath": f"lab/tree/{folder}/{notebook}"})
        links.append(("JupyterHub", f"{hub}/hub/user-redirect/git-pull?{query}"))
    elif hub:
        # No repository to pull: the hub's users have the course folder already.
        links.append(("JupyterHub", f"{hub}/hub/user-redirect/lab/tree/{quote(notebook)}"))
    github = repository.removeprefix("https://github.com/") if repository.startswith("https://github.com/") else ""
    if github and launch["binderhub_url"]:
        binder = launch["binderhub_url"].rstrip("/")
        links.append(("Binder", f"{binder}/v2/gh/{github}/{quote(branch)}?labpath={quote(notebook)}"))
    if github and launch["colab"]:
        links.append(("Colab", f"https://colab.research.google.com/github/{github}/blob/{quote(branch)}/{quote(notebook)}"))
    return links


def print_links(out=None):
    """Each exercise notebook's launch links (``python -m autograder links``), e.g. for a course's web page."""
    from autograder.layout import assignments

    launch = settings()
    for item in assignments():
        notebook = f"exercises/{item.name}/{item.notebook}"
        print(notebook, file=out)
        for label, url in launch_links(launch, notebook) or [
                ("(none)", "set repository_url and/or jupyterhub_url in exercise_launch, book/_config.yml")]:
            print(f"  {label}: {url}", file=out)


FIRST_CELL = '''\
# Run this cell first. This notebook needs NumPy, TensorFlow 2 with Keras 3, Matplotlib, and the course's
# package `rnncourse` {version} (the data loaders, the plots and the checks the test cells run). Where
# `rnncourse` is missing (Colab, a downloaded notebook), this cell installs it with pip{where}.
# The data sets are downloaded on first use, or read from the folder named in RNNCOURSE_DATA.
def _get_course(version={version!r}, repository={repository!r}):
    import importlib, importlib.metadata, importlib.util, os, subprocess, sys
    missing = [name for name in {needs!r} if importlib.util.find_spec(name) is None]
    if missing:
        raise ModuleNotFoundError(f"This notebook needs {{', '.join(missing)}}: install them "
                                  "(pip install numpy tensorflow keras matplotlib), then run this cell again.")
    if importlib.util.find_spec("rnncourse") is None:
        # RNNCOURSE_REPOSITORY installs from another copy of the course (a fork, a local clone).
        repository = os.environ.get("RNNCOURSE_REPOSITORY", repository)
        package = f"rnncourse @ git+{{repository}}@v{{version}}"
        how = (f"pip install \\"{{package}}\\"" if repository else
               "clone the course's repository and run `make lab` in it (or `pip install -e .` there)")
        if repository:
            print(f"Installing {{package}} ...")
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", package])
            importlib.invalidate_caches()
        if importlib.util.find_spec("rnncourse") is None:
            raise ModuleNotFoundError(f"This notebook needs the course package rnncourse {{version}}: {{how}}.")
    installed = importlib.metadata.version("rnncourse")
    if installed != version:
        print(f"Warning: rnncourse {{installed}} is installed, but this notebook was written for {{version}}: "
              "some checks may differ.")


_get_course()
'''


def first_cell(version=None, repository=None):
    """The source of the notebook's first code cell: what the notebook needs, and the course installed where
    it is missing. Where the course is installed (``make lab``, the grader's sandbox, Binder, a hub image)
    it only checks, with no network."""
    version = version or course_version()
    repository = settings()["repository_url"].rstrip("/") if repository is None else repository
    where = f" from {repository}, at tag v{version}" if repository else ""
    return FIRST_CELL.format(version=version, repository=repository, needs=NEEDS, where=where)
