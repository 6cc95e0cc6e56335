"""Run a student's code where it can touch nothing but a folder of its own.

The sandbox is bubblewrap (``bwrap``): new mount, PID, network, IPC and UTS
namespaces. Inside, the only writable places are the submission's private
folder (mounted at ``/submission``) and its ``tmp/`` (mounted at ``/tmp``);
the system, the Python installation, the virtual environment and the course
packages are read-only; everything else of the course (``solutions/`` with the
hidden tests, the grading folder, the gradebook, other submissions) is simply
not there. The network has only its own loopback, and ``/proc`` shows only the
sandbox's processes.

When the grader runs as root (a server, CI), the sandboxed process also drops
to a user id of its own (a fresh one per run) with no capabilities and
``no_new_privs``, which makes ``RLIMIT_NPROC`` count exactly its processes and
threads: root ignores that limit, so a fork bomb run as root is not stopped.

The limits are enforced from outside, where the student's code cannot lift
them: a watchdog thread polls the sandbox's process tree (resident memory,
processes and threads, size of the private folder) and kills the whole tree
when one is exceeded; ``RLIMIT_FSIZE`` caps any one file; the wall-time limit
kills it too. ``RLIMIT_AS`` is not used: TensorFlow reserves far more address
space than it uses and fails under it.
"""

import os
import secrets
import shutil
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import psutil

MiB = 1024 ** 2
GiB = 1024 ** 3
MOUNT = "/submission"  # where the private folder appears inside the sandbox
TMP = "/tmp"  # where its tmp/ appears, hiding the host's /tmp
UID_RANGE = (1_000_000, 2_000_000)  # fresh user ids of sandboxed runs (when the grader is root)

# The time limits of a graded submission, by default (--cell-timeout, --notebook-timeout).
# A cell that runs longer is interrupted and its question scores zero (autograder/runner.py);
# a notebook that runs longer is killed and scores zero.
CELL_TIMEOUT = 120  # seconds one cell may run
NOTEBOOK_TIMEOUT = 900  # seconds a whole submission may run


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Each one hit stops it and becomes a reason in its row."""

    memory: int = 4 * GiB  # resident memory of all its processes together (shared pages counted once)
    processes: int = 512  # processes and threads together (TensorFlow starts a few dozen threads)
    wall: float = float(NOTEBOOK_TIMEOUT)  # seconds for the whole run
    output: int = 64 * MiB  # bytes in any one file, and in its private folder altogether

    def describe(self, hit):
        return {
            "memory": f"used more than {self.memory / GiB:g} GiB of memory (--memory-limit)",
            "processes": f"started more than {self.processes} processes and threads (--process-limit)",
            "wall": f"ran longer than {self.wall:g} s (--notebook-timeout)",
            "output": f"wrote more than {self.output / MiB:g} MiB (--output-limit)",
        }[hit]


@dataclass
class Result:
    """How a sandboxed run ended, as seen from outside."""

    returncode: int | None
    hits: list = field(default_factory=list)  # names of the limits hit: memory, processes, wall, output
    seconds: float = 0.0
    peak_memory: int = 0
    peak_tasks: int = 0
    sandboxed: bool = True

    def reasons(self, limits):
        return [f"stopped: {limits.describe(hit)}" for hit in self.hits]


class Unavailable(RuntimeError):
    """No working sandbox on this machine."""


@lru_cache(maxsize=1)
def problem():
    """Why no sandbox can be made here, or None when bubblewrap works."""
    if sys.platform != "linux":
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if not shutil.which("bwrap"):
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    hidden = [path for path in _needed_inside() if path.resolve().is_relative_to(TMP)]
    if hidden:
        return (f"{hidden[0]} is under /tmp, which the sandbox replaces with each submission's own folder, so "
                "the notebooks could not start: put the course and its environment outside /tmp")
    try:
        probe = subprocess.run(_wrap(["true"], Path("/"), extra_binds=(), env={}, uid=_sandbox_uid(), limits=Limits(),
                                     mount_folder=False),
                               capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap does not start: {error}"
    if probe.returncode != 0:
        return f"bubblewrap cannot make a sandbox here: {probe.stderr.strip()[:300]}"
    return None


def _needed_inside():
    """The course and the Python installation: a sandboxed notebook must see both."""
    return [Path(__file__).resolve().parent.parent, *map(Path, _python_prefixes())]


def _python_prefixes():
    """The folders of the Python installation and the venv, bound read-only at the same paths."""
    return {sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent.parent)}


def require():
    reason = problem()
    if reason:
        raise Unavailable(f"{reason}. Install it, or grade without a sandbox with --unsandboxed "
                          "(only for code you trust: it can then change the course and other grades).")


def _sandbox_uid():
    """A user id that no one else uses, when the grader may switch to it (root); else None."""
    if os.geteuid() != 0:
        return None
    return secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0]


def _system_binds():
    """Read-only binds of the system and the Python installation, symlinks kept as symlinks."""
    args = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    return args + _ro_binds(sorted(p for p in _python_prefixes() if not p.startswith("/usr")))


def _ro_binds(paths):
    """Read-only binds at the same paths; the folders above them are made traversable (bwrap makes them 0700)."""
    args, made = [], set()
    for path in map(Path, paths):
        for parent in reversed(path.parents[:-1]):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", str(path), str(path)]
    return args


def _wrap(argv, folder, extra_binds, env, uid, limits, cpus=None, mount_folder=True, overlays=(), masks=()):
    """The command line: limits (prlimit), cores (taskset), bwrap, then the user id (setpriv).

    ``overlays`` are (host file, path) pairs: the file is shown read-only in
    place of the one at that path; ``masks`` are folders shown empty (read-only).
    """
    command = ["prlimit", f"--fsize={limits.output}", "--core=0"]
    if uid is not None:
        command.append(f"--nproc={limits.processes}")
    if cpus:
        command += ["taskset", "--cpu-list", ",".join(map(str, cpus))]
    command += ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if uid is None:  # not root: bwrap makes a user namespace itself
        command.append("--unshare-user")
    command += _system_binds()
    command += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--remount-ro", "/dev/shm"]
    command += _ro_binds(extra_binds)
    for replacement, path in overlays:
        command += ["--ro-bind", str(replacement), str(path)]
    for path in masks:
        command += ["--tmpfs", str(path), "--remount-ro", str(path)]
    if mount_folder:
        command += ["--bind", str(folder), MOUNT, "--bind", str(folder / "tmp"), TMP, "--chdir", MOUNT]
    command.append("--clearenv")
    for name, value in env.items():
        command += ["--setenv", name, str(value)]
    if uid is not None:
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                    "--bounding-set=-all", "--no-new-privs", "--"]
    return command + list(argv)


def prepare(folder, uid=None):
    """Make the private folder (and its tmp/ and home/) writable by the sandbox's user."""
    folder = Path(folder)
    for path in (folder, folder / "tmp", folder / "home"):
        path.mkdir(exist_ok=True)
        if uid is not None:
            os.chown(path, uid, uid)
        path.chmod(0o700)


def run(argv, folder, limits=Limits(), *, sandboxed=True, extra_binds=(), env=None, cpus=None, log=None,
        overlays=(), masks=()):
    """Run ``argv`` with ``folder`` as its private working folder; returns a Result.

    ``argv[0]`` must be an absolute path visible in the sandbox. ``extra_binds`` are
    host folders shown read-only at the same path (the course packages, the data);
    ``overlays`` (host file, path) replace files inside them, ``masks`` empty folders.
    ``log`` is a file (host path) that receives the run's stdout and stderr.
    Without ``sandboxed`` the same limits hold, but the code runs as the grader,
    with the grader's view of the files: only for code you trust.
    """
    folder = Path(folder).resolve()
    uid = _sandbox_uid() if sandboxed else None
    prepare(folder, uid)
    inside = MOUNT if sandboxed else str(folder)
    base_env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": f"{inside}/home",
        "TMPDIR": TMP if sandboxed else f"{inside}/tmp",
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    base_env.update(env or {})
    if sandboxed:
        command = _wrap(argv, folder, extra_binds, base_env, uid, limits, cpus, overlays=overlays, masks=masks)
        child_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    else:
        command = ["prlimit", f"--fsize={limits.output}", "--core=0"]
        if cpus:
            command += ["taskset", "--cpu-list", ",".join(map(str, cpus))]
        command += list(argv)
        child_env = {**{k: v for k, v in os.environ.items() if k in ("PATH", "RNNCOURSE_DATA")}, **base_env}
        child_env["PATH"] = base_env["PATH"] + os.pathsep + os.environ.get("PATH", "")
    out = open(log, "wb") if log else subprocess.DEVNULL
    started = time.monotonic()
    try:
        process = subprocess.Popen(command, cwd=folder, env=child_env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        if log:
            out.close()
    result = Result(None, sandboxed=sandboxed)
    watchdog = _Watchdog(process, folder, limits, result, count_root=not sandboxed or uid is None)
    watchdog.start()
    try:
        result.returncode = process.wait(timeout=limits.wall)
    except subprocess.TimeoutExpired:
        result.hits.append("wall")
        _kill_tree(process.pid)
        result.returncode = process.wait()
    finally:
        watchdog.stop()
        _kill_tree(process.pid)  # whatever a daemonised child left behind
    result.seconds = time.monotonic() - started
    for path in _files(folder):  # a file that reached RLIMIT_FSIZE was cut there
        if "output" not in result.hits and path.lstat().st_size >= limits.output:
            result.hits.append("output")
    return result


class _Watchdog(threading.Thread):
    """Polls the process tree and the private folder; kills the tree at the first limit exceeded."""

    INTERVAL = 0.1  # seconds; a memory bomb fills about 1 GB in that time at worst
    FOLDER_EVERY = 5  # polls between two measures of the private folder

    def __init__(self, process, folder, limits, result, count_root):
        super().__init__(daemon=True)
        self.process, self.folder, self.limits, self.result = process, folder, limits, result
        self.count_root = count_root
        self.stopped = threading.Event()

    def stop(self):
        self.stopped.set()
        self.join()

    def run(self):
        polls = 0
        while not self.stopped.wait(self.INTERVAL):
            hit = self._measure(check_folder=polls % self.FOLDER_EVERY == 0)
            polls += 1
            if hit:
                if hit not in self.result.hits:
                    self.result.hits.append(hit)
                _kill_tree(self.process.pid)
                return

    def _measure(self, check_folder):
        memory = tasks = 0
        for proc in _tree(self.process.pid):
            try:
                with proc.oneshot():
                    memory += _proportional_memory(proc)
                    if self.count_root or proc.uids().real != 0:  # bwrap and setpriv themselves run as root
                        tasks += proc.num_threads()
            except psutil.Error:
                continue
        self.result.peak_memory = max(self.result.peak_memory, memory)
        self.result.peak_tasks = max(self.result.peak_tasks, tasks)
        if memory > self.limits.memory:
            return "memory"
        if tasks >= self.limits.processes:
            return "processes"
        if check_folder and sum(p.lstat().st_size for p in _files(self.folder)) > self.limits.output:
            return "output"
        return None


def _proportional_memory(proc):
    """Resident memory with shared pages split among their sharers (PSS): forked children of a
    kernel share its pages, and counting them once per child would stop a fork long before a bomb."""
    try:
        return proc.memory_full_info().pss
    except (psutil.AccessDenied, AttributeError):
        return proc.memory_info().rss


def _tree(pid):
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _kill_tree(pid):
    """SIGKILL every process of the tree, the sandbox's PID-namespace init first (that kills the rest)."""
    for _ in range(3):
        procs = _tree(pid)
        if not procs:
            return
        for proc in procs[1:] + procs[:1]:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(procs, timeout=2)


def _files(folder):
    """Every file under ``folder`` (links not followed)."""
    for path, dirs, files in os.walk(folder):
        for name in files:
            yield Path(path, name)


def read_output(path, limit):
    """Bytes of a file the sandbox wrote, or None: regular files only, links not followed, at most ``limit``.

    The sandbox's user owns its folder, so a name there may be a symbolic link to
    anything the grader can read; the grader never follows one.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return handle.read(limit + 1)[:limit]
