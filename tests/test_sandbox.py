"""The sandbox on small scripts that attack: what they try fails, each limit is hit and reported.

Each script runs as a student's code would: in the sandbox, with the course
packages and the data folder read-only. They take a second or two each.
"""

import json
import os
import socket
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.layout import ROOT, SOLUTIONS
from autograder.sandbox import GiB, MiB, Limits

# CI installs bubblewrap (.ci/run), so there a missing sandbox fails instead of skipping.
pytestmark = pytest.mark.skipif(sandbox.problem() is not None and not os.environ.get("CI"),
                                reason=f"no sandbox here: {sandbox.problem()}")

PACKAGES = [ROOT / "rnncourse", ROOT / "autograder"]


def run_script(tmp_path, code, limits=Limits(), **options):
    folder = tmp_path / "private"
    folder.mkdir(exist_ok=True)
    log = tmp_path / "log.txt"
    result = sandbox.run([sys.executable, "-c", textwrap.dedent(code)], folder, limits, extra_binds=PACKAGES,
                         log=log, **options)
    return result, log.read_text(errors="replace")


def test_sandbox_sees_no_course_files_and_writes_only_its_folder(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("other student's file")
    probe = f"""
        import json, os, glob
        report = {{}}
        report["solutions"] = os.path.exists({str(SOLUTIONS)!r}) and os.listdir({str(SOLUTIONS)!r})
        report["course_root"] = sorted(os.listdir({str(ROOT)!r}))
        report["outside"] = os.path.exists({str(outside)!r})
        written = []
        for path in [{str(ROOT / "rnncourse" / "grading" / "x.py")!r}, {str(Path(sys.prefix) / "lib" / "x.pth")!r},
                     {str(ROOT / "x")!r}, "/etc/x", "/x", "/dev/shm/x", {str(outside)!r}]:
            try:
                open(path, "a").write("x")
                written.append(path)
            except OSError:
                pass
        report["written"] = written
        open("/tmp/mine", "w").write("private tmp")
        open("answers.txt", "w").write("own folder")
        report["uid"] = os.getuid()
        report["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        print("REPORT" + json.dumps(report))
    """
    result, log = run_script(tmp_path, probe)
    assert result.returncode == 0 and not result.hits, log
    report = json.loads(log.split("REPORT", 1)[1])
    assert report["solutions"] is False, "hidden tests are not there"
    assert "solutions" not in report["course_root"] and "grading" not in report["course_root"]
    assert report["outside"] is False
    assert report["written"] == []
    assert report["pids"] == [1, 2], "sees only its own processes"
    if os.geteuid() == 0:
        assert report["uid"] >= sandbox.UID_RANGE[0], "runs as a user id of its own, not root"
    assert (tmp_path / "private" / "tmp" / "mine").read_text() == "private tmp"
    assert (tmp_path / "private" / "answers.txt").read_text() == "own folder"
    assert outside.read_text() == "other student's file"


def test_no_network_not_even_the_hosts_loopback(tmp_path):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    result, log = run_script(tmp_path, f"""
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=3)
            print("CONNECTED")
        except OSError as error:
            print("REFUSED", error)
    """)
    server.close()
    assert "REFUSED" in log and not accepted


def test_cannot_signal_or_read_the_graders_processes(tmp_path):
    result, log = run_script(tmp_path, f"""
        import os
        try:
            os.kill({os.getpid()}, 0)
            print("VISIBLE")
        except ProcessLookupError:
            print("INVISIBLE")
        print("ENVIRON", os.path.exists("/proc/{os.getpid()}/environ"))
    """)
    assert "INVISIBLE" in log and "ENVIRON False" in log


def test_memory_bomb_is_stopped_and_reported(tmp_path):
    limits = Limits(memory=512 * MiB)
    result, log = run_script(tmp_path, """
        import numpy as np
        hog = [np.ones(2 ** 27) for _ in range(80)]  # 80 GiB, touched
    """, limits)
    assert result.hits == ["memory"], log
    assert result.seconds < 30
    assert "512 MiB" in result.reasons(limits)[0] or "0.5 GiB" in result.reasons(limits)[0]


def test_fork_bomb_is_stopped_and_reported(tmp_path):
    limits = Limits(processes=64)
    result, log = run_script(tmp_path, """
        import os, time
        while True:
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
            except OSError:
                time.sleep(0.01)
    """, limits)
    assert result.hits == ["processes"], log
    assert result.seconds < 30
    assert result.peak_tasks <= 64 + 2


@pytest.mark.parametrize("how", ["one big file", "many files"])
def test_output_bomb_is_stopped_and_reported(tmp_path, how):
    limits = Limits(output=8 * MiB)
    code = {
        "one big file": "open('big.txt', 'w').write('x' * 100 * 2 ** 20)",
        "many files": "import time\nfor i in range(100):\n    open(f'/tmp/{i}', 'w').write('x' * 2 ** 20)\n"
                      "time.sleep(3)",
    }[how]
    result, log = run_script(tmp_path, code, limits)
    assert result.hits == ["output"], log
    assert all(path.stat().st_size <= limits.output for path in (tmp_path / "private").rglob("*") if path.is_file())


def test_wall_time_limit(tmp_path):
    result, _ = run_script(tmp_path, "import time; time.sleep(60)", Limits(wall=2))
    assert result.hits == ["wall"] and result.seconds < 10


def test_daemonised_child_does_not_outlive_the_run(tmp_path):
    marker = tmp_path / "private" / "alive"
    result, _ = run_script(tmp_path, """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(3)
                open("alive", "w").write("still running")
            os._exit(0)
    """)
    import time
    time.sleep(4)
    assert not marker.exists()


def test_grader_reads_no_link_the_sandbox_planted(tmp_path):
    folder = tmp_path / "private"
    folder.mkdir()
    secret = tmp_path / "secret"
    secret.write_text("grader's file")
    (folder / "answers.jsonl").symlink_to(secret)
    assert sandbox.read_output(folder / "answers.jsonl", 1000) is None
    (folder / "big").write_bytes(b"x" * 2000)
    assert sandbox.read_output(folder / "big", 1000) is None
    (folder / "ok").write_bytes(b"fine")
    assert sandbox.read_output(folder / "ok", 1000) == b"fine"


def test_unsandboxed_runs_keep_the_limits(tmp_path):
    limits = Limits(memory=512 * MiB)
    result, log = run_script(tmp_path, "import numpy as np; hog = [np.ones(2 ** 27) for _ in range(80)]", limits,
                             sandboxed=False)
    assert result.hits == ["memory"] and not result.sandboxed, log


def test_missing_bubblewrap_is_refused_with_a_way_out(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.problem.cache_clear()
    try:
        with pytest.raises(sandbox.Unavailable, match="--unsandboxed"):
            sandbox.require()
    finally:
        monkeypatch.undo()
        sandbox.problem.cache_clear()


@pytest.mark.parametrize("code, status", [
    ("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)", "cell timeout"),
    ("import os\nos._exit(1)", "dead kernel"),
    ("while True:\n    pass", "completed"),  # interrupted, and the notebook goes on
])
def test_runner_ends_cells_that_hang_or_kill_the_kernel(tmp_path, code, status):
    import nbformat

    folder = tmp_path / "private"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('before')"),
                                               nbformat.v4.new_code_cell(code),
                                               nbformat.v4.new_code_cell("print('after')")])
    nbformat.write(notebook, folder / "notebook.ipynb")
    result = sandbox.run([sys.executable, "-m", "autograder.runner", "notebook.ipynb", "executed.ipynb",
                          "--cell-timeout=2"], folder, Limits(wall=120), extra_binds=PACKAGES, log=tmp_path / "log")
    assert not result.hits and result.seconds < 60, (tmp_path / "log").read_text()
    assert json.loads((folder / "status.json").read_text())["status"] == status
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "before\n"
    assert bool(executed.cells[2].get("outputs")) == (status == "completed")


def test_a_course_under_tmp_is_refused_with_the_reason(monkeypatch):
    """The sandbox mounts each submission's folder on /tmp, which would hide a course or venv kept there."""
    monkeypatch.setattr(sandbox, "_needed_inside", lambda: [Path("/tmp/course")])
    reason = sandbox.problem.__wrapped__()
    assert "/tmp/course is under /tmp" in reason and "outside /tmp" in reason
