"""Data sets of the course: the real ones (sunspots, IMDB reviews, census names), Fibonacci toys, and a long-range task.

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
    # 1990 US Census name lists (public domain): one name a line, upper case, with
    # its frequency in percent, the cumulative frequency and its rank.
    "female_first_names": DataSet(
        url="https://www2.census.gov/topics/genealogy/1990surnames/dist.female.first",
        files=(DataFile("dist.female.first", "bd2f310fc4e5d5e5ea122c9d4342c9821145823118eb20db1647f305ec77b358"),),
    ),
    "male_first_names": DataSet(
        url="https://www2.census.gov/topics/genealogy/1990surnames/dist.male.first",
        files=(DataFile("dist.male.first", "0a5078ef6effe3b483d15b0f7f95047662126c9bfb624ecd5e5b978fc0f2470b"),),
    ),
    "surnames": DataSet(
        url="https://www2.census.gov/topics/genealogy/1990surnames/dist.all.last",
        files=(DataFile("dist.all.last", "b0e2b3743ccbad641ca48b344c24cdebcd1d9a1f76dc6dbf05986f2919f0b4e1"),),
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
    """Path of the data file of the data set ``name`` (a key of ``DATASETS``).

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
# 1990 US Census names: the character-level corpus of chapter 5

CENSUS_LISTS = {"female": "female_first_names", "male": "male_first_names", "last": "surnames"}
_CENSUS_LINE = re.compile(r"([A-Z]+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+)")


def load_census_names(kind: str = "last", with_frequencies: bool = False):
    """The names of one 1990 US Census list, lower case, most frequent first.

    ``kind`` is "female" (4,275 first names), "male" (1,219 first names) or
    "last" (88,799 surnames). Names are lower-cased because a character model
    learns the same letters in upper and lower case as different symbols, and
    the lists have no case to learn. With ``with_frequencies`` also returns the
    percentage of people who bear each name (float64).
    """
    if kind not in CENSUS_LISTS:
        raise ValueError(f"unknown census list {kind!r}; choose one of {sorted(CENSUS_LISTS)}")
    path = data_path(CENSUS_LISTS[kind])
    names, frequencies = [], []
    with open(path, encoding="ascii") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            match = _CENSUS_LINE.fullmatch(line.strip())
            if match is None:
                raise DataUnavailableError(f"{path}, line {number}: not `NAME FREQ CUMFREQ RANK`: {line!r}")
            names.append(match.group(1).lower())
            frequencies.append(float(match.group(2)))
    if not names:
        raise DataUnavailableError(f"{path} holds no names")
    if with_frequencies:
        return names, np.array(frequencies, dtype=np.float64)
    return names


def first_names() -> list[str]:
    """The female and male first names together, each once, in alphabetical order."""
    return sorted(set(load_census_names("female")) | set(load_census_names("male")))


def split_names(names, test_fraction: float = 0.2, seed: int = 0) -> tuple[list[str], list[str]]:
    """``(train, test)``: a random share ``test_fraction`` of ``names`` is held out, the same for a seed.

    The split is random, not by rank or by letter: the held-out names must be
    like the training names, just unseen.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    names = list(names)
    order = np.random.default_rng(seed).permutation(len(names))
    n_test = int(round(test_fraction * len(names)))
    test = [names[i] for i in order[:n_test]]
    train = [names[i] for i in order[n_test:]]
    return train, test


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


# --------------------------------------------------------------------------
# A long-range task: subject-verb agreement ("The cat ... was", "The cats ... were")

# Each noun with its plural. The number of the subject is the only thing that decides the verb.
AGREEMENT_NOUNS = (
    ("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("child", "children"),
    ("mouse", "mice"), ("man", "men"), ("woman", "women"), ("horse", "horses"),
)
# Words that say nothing about the number of the subject (no nouns with a plural, no verbs
# that agree). Drawn independently of the subject, so only a memory of the subject helps.
AGREEMENT_FILLERS = (
    "which", "already", "ate", "slept", "in", "on", "the", "a", "sun", "garden", "after", "lunch",
    "very", "quietly", "and", "then", "happily", "near", "old", "red", "with", "some", "food", "today",
)
AGREEMENT_VERBS = ("was", "were")  # label 0: singular subject, label 1: plural subject
PAD = "<pad>"
# Token ids: 0 is padding (for chapters that pad sentences of different lengths), then
# "the", the singular nouns, the plural nouns, the fillers and the two verbs.
AGREEMENT_VOCABULARY = (
    PAD, "The", *(singular for singular, _ in AGREEMENT_NOUNS), *(plural for _, plural in AGREEMENT_NOUNS),
    *AGREEMENT_FILLERS, *AGREEMENT_VERBS,
)
_AGREEMENT_IDS = {word: index for index, word in enumerate(AGREEMENT_VOCABULARY)}


def agreement_task(
    n_examples: int, lag: int, seed: int | np.random.Generator | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Sentences "The <noun> w_1 ... w_lag" whose next word, "was" or "were", depends on the noun.

    The subject is "The" followed by one of ``AGREEMENT_NOUNS``, singular or
    plural with equal probability; then come ``lag`` words drawn uniformly and
    independently from ``AGREEMENT_FILLERS``, none of which tells the number.
    The label is the verb that agrees with the subject: 0 for "was", 1 for
    "were". So the answer depends only on the word ``lag + 1`` steps before
    the verb: with ``lag`` = 0 the noun comes last; the larger the lag, the
    longer a recurrent network must remember it. The trivial baseline (the
    most frequent label) is right half of the time.

    Returns ``(X, y)``: token ids (int32) of shape ``(n_examples, lag + 2)``
    (indices into ``AGREEMENT_VOCABULARY``, never 0) and labels (int32) of
    shape ``(n_examples,)``. ``seed`` is an int or a NumPy Generator.
    """
    if isinstance(n_examples, bool) or not isinstance(n_examples, (int, np.integer)) or n_examples < 1:
        raise ValueError(f"n_examples must be an integer >= 1, got {n_examples!r}")
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise ValueError(f"lag must be an integer >= 0 (words between the noun and the verb), got {lag!r}")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n_examples)
    noun = rng.integers(0, len(AGREEMENT_NOUNS), size=n_examples)
    fillers = np.array([_AGREEMENT_IDS[word] for word in AGREEMENT_FILLERS])

    X = np.empty((n_examples, lag + 2), dtype=np.int32)
    X[:, 0] = _AGREEMENT_IDS["The"]
    # Singular nouns follow "The" in the vocabulary, the plural ones follow them.
    X[:, 1] = 2 + noun + y * len(AGREEMENT_NOUNS)
    X[:, 2:] = fillers[rng.integers(0, len(fillers), size=(n_examples, lag))]
    return X, y.astype(np.int32)


def agreement_sentence(tokens, label=None) -> str:
    """The words of one row of ``agreement_task``, and the verb if ``label`` is given."""
    words = [AGREEMENT_VOCABULARY[int(token)] for token in tokens if int(token) != 0]
    if label is not None:
        words.append(AGREEMENT_VERBS[int(label)])
    return " ".join(words)
