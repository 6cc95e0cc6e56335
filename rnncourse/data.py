"""Data sets of the course: the real ones (sunspots, IMDB reviews) and Fibonacci toys.

Real data files are looked up first in the folder named by the environment
variable ``RNNCOURSE_DATA`` (for offline machines), then downloaded once from
their original URL with ``keras.utils.get_file`` (cached in ``~/.keras``).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_ENV_VAR = "RNNCOURSE_DATA"
CACHE_SUBDIR = "rnncourse"
SUNSPOTS_SPLIT_TIME = 3000


class DataUnavailableError(RuntimeError):
    """A data set can be neither found nor downloaded, or its file is corrupt."""


@dataclass(frozen=True)
class DataFile:
    """One acceptable file of a data set; ``sha256`` is None when unknown."""

    filename: str
    sha256: str | None = None


@dataclass(frozen=True)
class DataSet:
    """Where a data set comes from. ``files[0]`` is the name of the download;
    every entry of ``files`` is accepted in the ``RNNCOURSE_DATA`` folder."""

    url: str
    files: tuple[DataFile, ...]


DATASETS = {
    "sunspots": DataSet(
        url="https://storage.googleapis.com/download.tensorflow.org/data/Sunspots.csv",
        files=(
            DataFile(
                "Sunspots.csv",
                "0ef4cf0379879a9be0043885d8de1c1907ae852c903a0fcbbc58ba813efb3f10",
            ),
        ),
    ),
    "imdb": DataSet(
        url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        files=(
            # The original archive: its hash is not published, so not checked.
            DataFile("aclImdb_v1.tar.gz"),
            # Repack without the unlabelled reviews (same layout), for offline use.
            DataFile(
                "aclImdb_v1_labeled.tar.gz",
                "2d1bc6389336aefdeb6f5badd46da7dc097273b545f696f75af227c1992e7056",
            ),
        ),
    ),
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, data_file: DataFile) -> Path:
    """Return ``path`` if its hash is the expected one (or none is known)."""
    if data_file.sha256 is not None:
        actual = _sha256(path)
        if actual != data_file.sha256:
            raise DataUnavailableError(
                f"The file {path} is corrupt or not the expected {data_file.filename}:\n"
                f"    expected sha256 {data_file.sha256}\n"
                f"    actual sha256   {actual}\n"
                "Delete it and provide a fresh copy (or let the course download it again)."
            )
    return path


def data_path(name: str) -> Path:
    """Path of the data file of the data set ``name`` ("sunspots" or "imdb").

    Looks in the ``RNNCOURSE_DATA`` folder first, then downloads (or reuses
    the cached download). Raises DataUnavailableError if both fail.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[name]

    folder = os.environ.get(DATA_ENV_VAR)
    if folder:
        for data_file in spec.files:
            candidate = Path(folder).expanduser() / data_file.filename
            if candidate.is_file():
                # A file the user provided explicitly: a bad hash is an error,
                # not a reason to silently download something else.
                return _verify(candidate, data_file)

    download = spec.files[0]
    try:
        import keras  # lazy: importing keras (and TensorFlow) takes seconds

        path = Path(
            keras.utils.get_file(
                fname=download.filename, origin=spec.url, cache_subdir=CACHE_SUBDIR
            )
        )
    except Exception as err:  # keras reports network errors as a bare Exception
        raise DataUnavailableError(_how_to_provide(name, spec, folder, err)) from err
    return _verify(path, download)


def _how_to_provide(name: str, spec: DataSet, folder: str | None, err: Exception) -> str:
    names = " or ".join(f.filename for f in spec.files)
    searched = (
        f"The folder {DATA_ENV_VAR}={folder} was searched but holds no {names}.\n"
        if folder
        else f"The environment variable {DATA_ENV_VAR} is not set.\n"
    )
    return (
        f"The data set {name!r} is not available: its download failed ({err}).\n"
        f"{searched}"
        f"To provide it by hand, download\n"
        f"    {spec.url}\n"
        f"save it as {names} in a folder, and point the course to that folder:\n"
        f"    export {DATA_ENV_VAR}=/path/to/folder"
    )


# --------------------------------------------------------------------------
# Sunspots


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Monthly mean total sunspot number, 1749-01 to 2018-07 (SILSO).

    Returns ``(time, sunspots)``: the integer month index 0..3234 (int64) and
    the 3,235 monthly means (float32).
    """
    path = data_path("sunspots")
    time, sunspots = [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        # Find the column by name rather than trusting its position.
        column = header.index("Monthly Mean Total Sunspot Number")
        for row in reader:
            time.append(int(row[0]))
            sunspots.append(float(row[column]))
    return np.array(time, dtype=np.int64), np.array(sunspots, dtype=np.float32)


# --------------------------------------------------------------------------
# IMDB movie reviews (Maas et al., 2011)

_REVIEW = re.compile(r"aclImdb/(train|test)/(neg|pos)/(\d+)_(\d+)\.txt")


def load_imdb_reviews() -> tuple[
    tuple[list[str], np.ndarray], tuple[list[str], np.ndarray]
]:
    """The 25,000 training and 25,000 test reviews of the Large Movie Review Dataset.

    Returns ``((train_texts, train_labels), (test_texts, test_labels))`` with
    label 1 for a positive and 0 for a negative review (int64). Within a split
    the negative reviews come first, then the positive ones, each sorted by
    their numeric ID, so the order never depends on the archive.
    """
    path = data_path("imdb")
    reviews = {"train": [], "test": []}
    # Stream through the archive ("r|gz"): no need to unpack 50,000 small files.
    with tarfile.open(path, mode="r|gz") as archive:
        for member in archive:
            match = _REVIEW.fullmatch(member.name)
            if match is None or not member.isfile():
                continue  # README, vocabulary, unsup/ reviews, .feat files, ...
            split, folder, review_id, _rating = match.groups()
            text = archive.extractfile(member).read().decode("utf-8")
            reviews[split].append((folder, int(review_id), text))

    result = []
    for split in ("train", "test"):
        if not reviews[split]:
            raise DataUnavailableError(f"{path} holds no aclImdb/{split}/ reviews")
        reviews[split].sort(key=lambda review: review[:2])  # folder, then ID
        texts = [text for _, _, text in reviews[split]]
        labels = np.array([folder == "pos" for folder, _, _ in reviews[split]], dtype=np.int64)
        result.append((texts, labels))
    return result[0], result[1]


# --------------------------------------------------------------------------
# Fibonacci-like sequences: n_t = n_{t-1} + n_{t-2}


def fibonacci_sequence(
    n_terms: int,
    seeds: tuple[float, float] = (1, 2),
    scale: float = 1.0,
    noise: float = 0.0,
    rng: int | np.random.Generator | None = None,
) -> np.ndarray:
    """The first ``n_terms`` terms of n_t = n_{t-1} + n_{t-2} with n_0, n_1 = seeds.

    The terms are divided by ``scale``. With ``noise > 0`` each term is
    observed with multiplicative noise, n_t * (1 + noise * eps_t) with
    eps_t ~ N(0, 1) drawn from ``rng`` (an int seed or a Generator).
    """
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 2:
        raise ValueError(f"n_terms must be an integer >= 2, got {n_terms!r}")
    if len(seeds) != 2 or not np.all(np.isfinite(seeds)):
        raise ValueError(f"seeds must be two finite numbers (n_0, n_1), got {seeds!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")

    n = np.empty(n_terms, dtype=np.float64)
    n[0], n[1] = seeds
    for t in range(2, n_terms):
        n[t] = n[t - 1] + n[t - 2]
    n /= scale
    if noise > 0:
        eps = np.random.default_rng(rng).standard_normal(n_terms)
        n *= 1.0 + noise * eps
    return n


def fibonacci_windows(
    n_sequences: int,
    window_size: int,
    n_terms: int | None = None,
    seed: int = 0,
    seed_range: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of Fibonacci-like sequences with random real seeds, to learn the rule.

    Draws ``n_sequences`` pairs of seeds uniformly in [-seed_range, seed_range],
    generates ``n_terms`` terms of each (default ``window_size + 6``) and cuts
    every window of ``window_size`` consecutive terms, labelled by the next term.
    Each window and its label are divided by the window's largest absolute
    value: the rule is linear and homogeneous, so it still holds, and the
    inputs stay in [-1, 1], the range of tanh.

    Returns ``(X, y, scale)`` (float32), shapes (N, window_size), (N,), (N,),
    such that ``X * scale[:, None]`` and ``y * scale`` are the raw terms.
    """
    if n_sequences < 1:
        raise ValueError(f"n_sequences must be >= 1, got {n_sequences}")
    if window_size < 2:
        raise ValueError(f"window_size must be >= 2 (the rule uses two terms), got {window_size}")
    if n_terms is None:
        n_terms = window_size + 6
    if n_terms < window_size + 1:
        raise ValueError(
            f"n_terms must be >= window_size + 1 = {window_size + 1} "
            f"(a window plus its label), got {n_terms}"
        )
    if not seed_range > 0:
        raise ValueError(f"seed_range must be > 0, got {seed_range}")

    rng = np.random.default_rng(seed)
    seeds = rng.uniform(-seed_range, seed_range, size=(n_sequences, 2))
    terms = np.stack([fibonacci_sequence(n_terms, seeds=s) for s in seeds])

    # All windows of window_size + 1 terms: the inputs and their label.
    cuts = np.lib.stride_tricks.sliding_window_view(terms, window_size + 1, axis=1)
    cuts = cuts.reshape(-1, window_size + 1)
    scale = np.abs(cuts[:, :-1]).max(axis=1)
    scale[scale == 0] = 1.0  # an all-zero window stays zero; avoid 0 / 0
    cuts = cuts / scale[:, None]
    return (
        cuts[:, :-1].astype(np.float32),
        cuts[:, -1].astype(np.float32),
        scale.astype(np.float32),
    )
