"""Where the course's notebooks live, and how nbgrader is run on them."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
NBGRADER_CONFIG = Path(__file__).resolve().parent / "nbgrader_config.py"
KERNELS = "jupyter"  # folder of a working folder that holds the grading kernelspec


@dataclass(frozen=True)
class Assignment:
    """An assignment is a folder of solutions/ holding one notebook."""

    name: str

    @property
    def source(self):
        return SOLUTIONS / self.name

    @property
    def text(self):
        """File name of the solution notebook as MyST text, e.g. ``rnn_model.md`` (see autograder/source.py)."""
        texts = sorted(self.source.glob("*.md"))
        if len(texts) != 1:
            raise ValueError(f"{self.source} should hold exactly one MyST notebook (.md), found {len(texts)}.")
        return texts[0].name

    @property
    def notebook(self):
        """File name of the notebook students get, e.g. ``rnn_model.ipynb``."""
        return Path(self.text).with_suffix(".ipynb").name


def nbgrader_metadata(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell):
    """An autograded test cell: it has points and holds no student answer."""
    meta = nbgrader_metadata(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def assignments():
    return [Assignment(path.name) for path in sorted(SOLUTIONS.iterdir()) if path.is_dir() and any(path.glob("*.md"))]


def assignment(name):
    names = [a.name for a in assignments()]
    if name not in names:
        raise SystemExit(f"Unknown assignment {name!r}; the assignments are: {', '.join(names)}.")
    return Assignment(name)


def cell_timeout():
    """Seconds a cell may run when grading, as autograder/nbgrader_config.py sets it."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(NBGRADER_CONFIG.name, str(NBGRADER_CONFIG.parent)).load_config().Execute.timeout


def write_config(workdir, source_directory, release_directory, cell_timeout=None):
    """An nbgrader_config.py for ``workdir`` that loads the course settings and adds the paths.

    The source folder holds the notebooks built from solutions/ (autograder.source.build);
    source and release folders are absolute, so nbgrader's database and outputs stay in ``workdir``.
    """
    lines = [
        "c = get_config()",
        f"load_subconfig({str(NBGRADER_CONFIG)!r})",
        f"c.CourseDirectory.root = {str(workdir)!r}",
        f"c.CourseDirectory.source_directory = {str(source_directory)!r}",
        f"c.CourseDirectory.release_directory = {str(release_directory)!r}",
    ]
    if cell_timeout is not None:
        lines.append(f"c.Execute.timeout = {int(cell_timeout)}")
    Path(workdir, "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    # Notebooks run in this Python, even where the user has a "python3" kernel of another
    # installation: kernels in JUPYTER_PATH (set by run_nbgrader) are found first.
    spec = Path(workdir, KERNELS, "kernels", "python3", "kernel.json")
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (course)",
        "language": "python",
    }))


def run_nbgrader(workdir, *args, timeout=None):
    """Run one nbgrader command in ``workdir``; returns the CompletedProcess.

    nbgrader runs in a process of its own (with its kernels in the same process
    group), so a submission that hangs or crashes can be stopped without
    stopping the grading of the others. Raises subprocess.TimeoutExpired.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=_environment(workdir),
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, output, None)


def _environment(workdir):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")  # no TensorFlow C++ start-up messages below fatal
    # nbgrader calls the `alembic` script of its own environment, which is not on PATH
    # when the environment is used without being activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(Path(workdir, KERNELS)), env.get("JUPYTER_PATH")]))
    return env
