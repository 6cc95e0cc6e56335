"""Execute one notebook, inside the sandbox: ``python -m autograder.runner IN OUT --cell-timeout S``.

This runs beside the student's code, so nothing it writes is trusted: the
grader reads the answers file and this executed notebook only as data (sizes
checked, plain JSON), to judge the answers and to show the students their
cells' output. It never reports a score.

Writes OUT (the executed notebook, errors included) and ``status.json``:
``{"status": "completed" | "dead kernel" | "cell timeout", "detail": ...}``.
"""

import argparse
import asyncio
import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

KERNEL = "course"
GRACE = 5  # seconds an interrupted cell has to stop before the run is given up


class Client(NotebookClient):
    """nbclient, except that a cell still running after an interrupt ends the run.

    nbclient itself interrupts again and again, for ever, a cell that ignores
    interrupts (the wall-time limit would then be the only way out).
    """

    _interrupted = None

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is not None and self._interrupted is cell:
            raise CellTimeoutError.error_from_timeout_and_cell(
                "Cell execution timed out and did not stop when interrupted", timeout, cell)
        self._interrupted = cell
        await ensure_async(self.km.interrupt_kernel())
        await asyncio.sleep(GRACE)
        return None


def kernelspec(home):
    """The kernel is this Python (the course's environment), whatever the notebook names."""
    spec = Path(home, ".local", "share", "jupyter", "kernels", KERNEL, "kernel.json")
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                "display_name": "Python 3 (course)", "language": "python"}))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("executed")
    parser.add_argument("--cell-timeout", type=int, required=True, help="seconds a cell may run")
    args = parser.parse_args(argv)

    kernelspec(Path.home())
    notebook = nbformat.read(args.notebook, as_version=4)
    client = Client(notebook, timeout=args.cell_timeout, interrupt_on_timeout=True, allow_errors=True,
                            kernel_name=KERNEL, record_timing=False, resources={"metadata": {"path": "."}})
    status, detail = "completed", ""
    try:
        client.execute()
    except DeadKernelError as error:
        status, detail = "dead kernel", str(error)[:300]
    except CellTimeoutError as error:
        status, detail = "cell timeout", str(error)[:300]
    except Exception as error:  # noqa: BLE001 (whatever stops nbclient ends this run; the grader reads the status)
        status, detail = "error", f"{type(error).__name__}: {str(error)[:300]}"
    Path("status.json").write_text(json.dumps({"status": status, "detail": detail}))
    try:
        nbformat.write(notebook, args.executed)
    except OSError:  # the output limit (RLIMIT_FSIZE); the grader sees the cut file and says so
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
