"""Try the ways into a notebook from a clean start, here, without the platforms themselves.

    .venv/bin/python scripts/try_platforms.py colab  [--chapter ch02_rnn_model]
    .venv/bin/python scripts/try_platforms.py binder [--chapter ch02_rnn_model]
    .venv/bin/python scripts/try_platforms.py dockerfile

Each run starts from a clone of the repository's committed HEAD (uncommitted
changes are not tried) in .platforms/ (ignored by git), tagged v<version> as a
release would be, and a fresh virtual environment. Slow: each environment
installs TensorFlow (minutes, from pip's cache).

- colab: a venv with only a Colab-like set of packages (numpy, tensorflow,
  keras, matplotlib, ipykernel, nbclient; not rnncourse), at the course's pins.
  The chapter's exercise notebook and its solved version run from the
  notebook's own folder in the clone, with RNNCOURSE_REPOSITORY pointing the
  first cell's install at the clone (file://) instead of GitHub. The exercise
  must install the course, run its set-up, and stop only at the first
  unanswered cell; the solved notebook must pass all its checks.
- binder: repo2docker's order of steps (see `dockerfile`): a venv of the
  Python in binder/runtime.txt, binder/requirements.txt installed from a
  folder holding nothing else, then the repository copied in and
  binder/postBuild run from its root; then the same two notebooks, whose first
  cell must find the course installed and install nothing.
- dockerfile: repo2docker itself (pip package jupyter-repo2docker, in its own
  venv) writes the Dockerfile it would build from this folder (--no-build, no
  Docker needed); checked: only binder/requirements.txt is copied before the
  pip install, the repository after it, and postBuild runs after that.

Prints each step's time. Exit status 0 when everything held.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import solutions  # noqa: E402
from autograder.layout import assignment  # noqa: E402
from autograder.launch import course_version, release_tag  # noqa: E402

WORK = ROOT / ".platforms"
COLAB_PACKAGES = ["numpy", "tensorflow", "keras", "matplotlib", "ipykernel", "nbclient"]


def step(what, function, *args, **kwargs):
    started = time.perf_counter()
    print(f"-- {what} ...", flush=True)
    result = function(*args, **kwargs)
    print(f"   {what}: {time.perf_counter() - started:.0f} s", flush=True)
    return result


def run(*command, **kwargs):
    print("   $", " ".join(map(str, command)), flush=True)
    subprocess.run([str(part) for part in command], check=True, **kwargs)


def fresh(path):
    if path.exists():
        shutil.rmtree(path)
    return path


def clone(target):
    """The committed HEAD, tagged as the release the notebooks pin (v<version>)."""
    run("git", "clone", "--quiet", "--no-hardlinks", ROOT, fresh(target))
    run("git", "-C", target, "tag", release_tag())
    return target


def venv(path, python="python3.11"):
    run(shutil.which(python) or sys.executable, "-m", "venv", fresh(path))
    run(path / "bin" / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    return path / "bin" / "python"


def pins():
    return {line.split("==")[0].lower(): line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")}


def notebooks(repository, name):
    """(the exercise as students get it, the solved notebook beside it) in the clone's exercise folder."""
    item = assignment(name)
    folder = repository / "exercises" / name
    solved = folder / f"solved_{item.notebook}"
    import nbformat

    nbformat.write(solutions.load(item).notebook, solved)
    return folder / item.notebook, solved


RUN_NOTEBOOK = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
started = time.perf_counter()
NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": "."}}).execute()
seconds = time.perf_counter() - started
cells = []
for cell in notebook.cells:
    if cell.cell_type != "code":
        continue
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
    error = next((o.ename + ": " + o.evalue for o in cell.get("outputs", []) if o.output_type == "error"), None)
    cells.append({"id": cell.metadata.get("nbgrader", {}).get("grade_id"), "text": text, "error": error,
                  "grade": cell.metadata.get("nbgrader", {}).get("grade", False)})
print("RESULT " + json.dumps({"seconds": seconds, "cells": cells}))
"""


def execute(python, notebook, environment):
    """Run the notebook with this venv's nbclient and kernel, from the notebook's own folder."""
    output = subprocess.run([str(python), "-c", RUN_NOTEBOOK, notebook.name], cwd=notebook.parent, env=environment,
                            check=True, capture_output=True, text=True).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])


def judge(exercise, solved, expect_install):
    """What must hold after the two runs; returns a list of failures."""
    failures = []
    first = exercise["cells"][0]
    installing = "Installing rnncourse" in first["text"]
    if first["id"] != "get_course" or first["error"]:
        failures.append(f"the first code cell is not get_course or failed: {first}")
    if installing != expect_install:
        failures.append(f"the first cell {'did not install' if expect_install else 'installed'} the course: {first}")
    errors = [cell for cell in exercise["cells"] if cell["error"]]
    if not errors or "NotImplementedError" not in errors[0]["error"]:
        failures.append(f"the exercise's first error should be an unanswered cell's NotImplementedError: {errors[:1]}")
    wrong = [cell["id"] for cell in solved["cells"] if cell["error"]
             or (cell["grade"] and "all checks passed" not in cell["text"])]
    if wrong:
        failures.append(f"the solved notebook failed in {wrong}")
    return failures


def report(name, exercise, solved, failures):
    print(f"{name}: exercise ran in {exercise['seconds']:.0f} s (first cell: {exercise['cells'][0]['text'].strip()!r}),"
          f" solved notebook in {solved['seconds']:.0f} s")
    for failure in failures:
        print("FAILED:", failure)
    print(f"{name}: {'OK' if not failures else 'FAILED'}")
    return 0 if not failures else 1


def environment(**extra):
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH")}
    env["PATH"] = os.pathsep.join([str(extra.pop("bin")), env.get("PATH", "")])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.update(extra)
    return env


def colab(chapter):
    repository = step("clone", clone, WORK / "colab-clone")
    python = step("fresh venv", venv, WORK / "colab-venv")
    wanted = pins()
    packages = [wanted.get(name, name) for name in COLAB_PACKAGES]
    step("Colab-like packages", run, python, "-m", "pip", "install", "--quiet", *packages)
    exercise_path, solved_path = notebooks(repository, chapter)
    missing = subprocess.run([str(python), "-c", "import rnncourse"], cwd=exercise_path.parent,
                             capture_output=True).returncode != 0
    if not missing:
        raise SystemExit("rnncourse is importable in the Colab-like venv before the notebook runs: not a clean start")
    env = environment(bin=python.parent, RNNCOURSE_REPOSITORY=repository.as_uri())
    exercise = step(f"exercise {exercise_path.name}", execute, python, exercise_path, env)
    solved = step(f"solved {solved_path.name}", execute, python, solved_path, env)
    return report("colab", exercise, solved, judge(exercise, solved, expect_install=True))


def binder(chapter):
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    python = step("fresh venv", venv, WORK / "binder-venv", runtime.replace("python-", "python"))
    # repo2docker copies only binder/requirements.txt before installing it.
    alone = fresh(WORK / "binder-requirements")
    (alone / "binder").mkdir(parents=True)
    shutil.copy(ROOT / "binder" / "requirements.txt", alone / "binder")
    step("binder/requirements.txt", run, python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt",
         cwd=alone)
    # The base environment repo2docker starts from has Jupyter; here only what runs a notebook.
    run(python, "-m", "pip", "install", "--quiet", "nbclient")
    repository = step("copy the repository in", clone, WORK / "binder-home")
    env = environment(bin=python.parent)
    step("binder/postBuild", run, "./binder/postBuild", cwd=repository, env=env)
    exercise_path, solved_path = notebooks(repository, chapter)
    exercise = step(f"exercise {exercise_path.name}", execute, python, exercise_path, env)
    solved = step(f"solved {solved_path.name}", execute, python, solved_path, env)
    return report("binder", exercise, solved, judge(exercise, solved, expect_install=False))


def dockerfile(_chapter):
    tool = WORK / "repo2docker-venv" / "bin" / "repo2docker"
    if not tool.exists():
        python = venv(WORK / "repo2docker-venv", "python3")
        run(python, "-m", "pip", "install", "--quiet", "jupyter-repo2docker")
    repository = clone(WORK / "repo2docker-clone")
    text = subprocess.run([str(tool), "--no-build", "--debug", "--no-run", "--user-id", "1000", "--user-name",
                           "jovyan", str(repository)], capture_output=True, text=True).stdout
    lines = [line.strip() for line in text.splitlines()]

    def where(predicate):
        return next((index for index, line in enumerate(lines) if predicate(line)), None)

    copy_requirements = where(lambda line: line.startswith("COPY") and "src/binder/requirements.txt" in line)
    install = where(lambda line: "pip install" in line and "binder/requirements.txt" in line)
    copy_all = where(lambda line: line.startswith("COPY") and " src/ " in line)
    post_build = where(lambda line: line == "RUN ./binder/postBuild")
    # The Python 3.11 environment's lock file (its path escaped in the build file's name), and the kernel in the
    # same environment as the notebook server (so nbgitpuller, installed with the requirements, loads).
    python = where(lambda line: "environment-2epy-2d3-2e11" in line or "environment.py-3.11" in line)
    one_environment = where(lambda line: line == "ENV KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}")
    order = [copy_requirements, install, copy_all, post_build]
    print("\n".join(line for line in lines if line.startswith(("COPY", "RUN", "ENV KERNEL")) and "build_script" not in line))
    ok = None not in order and order == sorted(order) and python is not None and one_environment is not None
    print(f"dockerfile: {'OK' if ok else 'FAILED'} (Python 3.11 environment: {python is not None}, the kernel's "
          f"environment is the server's: {one_environment is not None}; "
          f"requirements copied alone, installed, repository copied, postBuild: lines {order})")
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("platform", choices=["colab", "binder", "dockerfile"])
    parser.add_argument("--chapter", default="ch02_rnn_model")
    args = parser.parse_args(argv)
    print(f"course version {course_version()}, tag {release_tag()}", flush=True)
    started = time.perf_counter()
    status = {"colab": colab, "binder": binder, "dockerfile": dockerfile}[args.platform](args.chapter)
    print(f"{args.platform}: {time.perf_counter() - started:.0f} s in all")
    return status


if __name__ == "__main__":
    sys.exit(main())
