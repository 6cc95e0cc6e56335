"""Tests of rnncourse.data: real data sets (from RNNCOURSE_DATA) and Fibonacci toys.

Real-data tests skip only when RNNCOURSE_DATA is unset and the download fails;
with RNNCOURSE_DATA set, missing data is a failure.
"""

import hashlib
import os

import numpy as np
import pytest

from rnncourse import data
from rnncourse.data import (
    DATA_ENV_VAR,
    SUNSPOTS_SPLIT_TIME,
    DataUnavailableError,
    data_path,
    fibonacci_sequence,
    fibonacci_windows,
    first_names,
    load_census_names,
    load_imdb_reviews,
    load_sunspots,
    split_names,
)

SUNSPOTS_URL = "https://storage.googleapis.com/download.tensorflow.org/data/Sunspots.csv"
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
CENSUS_URL = "https://www2.census.gov/topics/genealogy/1990surnames/"


def real_path(name):
    """The real data file, or a skip if it cannot be had and RNNCOURSE_DATA is unset."""
    try:
        return data_path(name)
    except DataUnavailableError as err:
        if os.environ.get(DATA_ENV_VAR):
            raise
        pytest.skip(f"data set {name!r} unavailable; set {DATA_ENV_VAR} to a folder holding it ({err})")


@pytest.fixture(scope="module")
def sunspots():
    real_path("sunspots")
    return load_sunspots()


@pytest.fixture(scope="module")
def imdb_path():
    return real_path("imdb")


@pytest.fixture(scope="module")
def imdb(imdb_path):
    return load_imdb_reviews()


@pytest.fixture
def no_download(monkeypatch):
    """Make every download fail at once, without touching the network."""
    keras = pytest.importorskip("keras")
    calls = []

    def failing_get_file(*args, **kwargs):
        calls.append(kwargs)
        raise Exception("URL fetch failure (test: no network)")

    monkeypatch.setattr(keras.utils, "get_file", failing_get_file)
    return calls


# --------------------------------------------------------------------------
# Sunspots


def test_sunspots_shape_values_dtype(sunspots):
    time, spots = sunspots
    assert time.shape == spots.shape == (3235,)
    assert np.issubdtype(time.dtype, np.integer)
    assert spots.dtype == np.float32
    np.testing.assert_array_equal(time, np.arange(3235))
    # First month 1749-01, last 2018-07.
    assert spots[0] == np.float32(96.7)
    assert spots[1] == np.float32(104.3)
    assert spots[-1] == np.float32(1.6)
    assert spots.min() >= 0
    assert 0 < SUNSPOTS_SPLIT_TIME < len(spots)


# --------------------------------------------------------------------------
# IMDB


def test_imdb_counts_and_labels(imdb):
    for texts, labels in imdb:
        assert len(texts) == len(labels) == 25_000
        assert labels.dtype == np.int64
        assert set(np.unique(labels)) == {0, 1}
        assert np.sum(labels == 1) == np.sum(labels == 0) == 12_500


def test_imdb_texts_are_nonempty_strings(imdb):
    for texts, _ in imdb:
        assert all(isinstance(text, str) and text.strip() for text in texts)
    (train_texts, _), (test_texts, _) = imdb
    assert train_texts[0] != test_texts[0]


def test_imdb_order_is_negative_then_positive(imdb):
    # Sorted by label folder (neg, pos), so the labels are one step from 0 to 1.
    for _, labels in imdb:
        np.testing.assert_array_equal(labels, np.repeat([0, 1], 12_500))


def test_imdb_original_name_accepted_and_deterministic(imdb, imdb_path, tmp_path, monkeypatch, no_download):
    # The original archive's name, here a link to the local copy.
    (tmp_path / "aclImdb_v1.tar.gz").symlink_to(imdb_path.resolve())
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    assert data_path("imdb") == tmp_path / "aclImdb_v1.tar.gz"
    again = load_imdb_reviews()
    assert no_download == []
    for (texts, labels), (texts2, labels2) in zip(imdb, again):
        assert texts == texts2
        np.testing.assert_array_equal(labels, labels2)


# --------------------------------------------------------------------------
# 1990 US Census names


@pytest.fixture(scope="module")
def census():
    for name in ("female_first_names", "male_first_names", "surnames"):
        real_path(name)
    return {kind: load_census_names(kind, with_frequencies=True) for kind in ("female", "male", "last")}


def test_census_counts_and_first_names(census):
    counts = {kind: len(names) for kind, (names, _) in census.items()}
    assert counts == {"female": 4275, "male": 1219, "last": 88799}
    # Most frequent first, as in the files.
    assert census["female"][0][:3] == ["mary", "patricia", "linda"]
    assert census["male"][0][:3] == ["james", "john", "robert"]
    assert census["last"][0][:3] == ["smith", "johnson", "williams"]
    assert census["last"][1][0] == pytest.approx(1.006)


def test_census_names_are_lower_case_letters(census):
    for names, frequencies in census.values():
        assert all(name.isascii() and name.isalpha() and name.islower() for name in names)
        assert len(set(names)) == len(names)
        # Rare surnames are rounded to 0.000 percent in the file.
        assert frequencies.dtype == np.float64 and np.all(frequencies >= 0) and frequencies[0] > 0
        assert np.all(np.diff(frequencies) <= 0)  # most frequent first


def test_first_names_are_both_lists_once(census):
    names = first_names()
    expected = set(census["female"][0]) | set(census["male"][0])
    assert names == sorted(expected)
    assert len(names) < 4275 + 1219  # some names are on both lists (e.g. "james")
    assert "james" in census["female"][0] and "james" in census["male"][0]


def test_census_without_frequencies_is_the_names(census):
    assert load_census_names("male") == census["male"][0]
    with pytest.raises(ValueError, match="last"):
        load_census_names("middle")


def test_split_names_is_a_seeded_partition():
    names = [f"n{i}" for i in range(101)]
    train, test = split_names(names, test_fraction=0.2, seed=3)
    assert len(test) == 20 and len(train) == 81
    assert sorted(train + test) == sorted(names)
    assert (train, test) == split_names(names, test_fraction=0.2, seed=3)
    assert test != split_names(names, test_fraction=0.2, seed=4)[1]
    assert test != names[:20]  # shuffled, not the first (most frequent) names
    for bad in (0, 1, 1.5):
        with pytest.raises(ValueError):
            split_names(names, test_fraction=bad)


def test_census_file_in_wrong_format_is_an_error(tmp_path, monkeypatch, no_download):
    # A file with the right hash cannot be malformed, so check the parser on its own.
    bad = tmp_path / "dist.male.first"
    bad.write_text("JAMES 3.318 3.318 1\nnot a name line\n")
    monkeypatch.setattr(data, "data_path", lambda name: bad)
    with pytest.raises(DataUnavailableError, match="line 2"):
        load_census_names("male")


# --------------------------------------------------------------------------
# Finding, downloading and checking data files


@pytest.mark.parametrize(
    "name, filenames, url",
    [
        ("sunspots", ["Sunspots.csv"], SUNSPOTS_URL),
        ("imdb", ["aclImdb_v1.tar.gz", "aclImdb_v1_labeled.tar.gz"], IMDB_URL),
        ("female_first_names", ["dist.female.first"], CENSUS_URL + "dist.female.first"),
        ("male_first_names", ["dist.male.first"], CENSUS_URL + "dist.male.first"),
        ("surnames", ["dist.all.last"], CENSUS_URL + "dist.all.last"),
    ],
)
def test_missing_data_says_how_to_provide_it(name, filenames, url, tmp_path, monkeypatch, no_download):
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    with pytest.raises(DataUnavailableError) as info:
        data_path(name)
    message = str(info.value)
    assert DATA_ENV_VAR in message and str(tmp_path) in message and url in message
    assert f"export {DATA_ENV_VAR}=" in message
    for filename in filenames:
        assert filename in message
    assert isinstance(info.value.__cause__, Exception)  # the download error is chained
    assert len(no_download) == 1  # the download was still tried


def test_missing_data_without_env_var(monkeypatch, no_download):
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    with pytest.raises(DataUnavailableError, match="export RNNCOURSE_DATA=/path/to/folder"):
        data_path("sunspots")


def test_download_arguments(tmp_path, monkeypatch):
    keras = pytest.importorskip("keras")
    source = real_path("sunspots")
    calls = []

    def fake_get_file(**kwargs):
        calls.append(kwargs)
        return str(source)

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))  # a folder without the file
    assert data_path("sunspots") == source
    assert calls == [dict(fname="Sunspots.csv", origin=SUNSPOTS_URL, cache_subdir="rnncourse")]


def test_tampered_file_gives_hash_error(tmp_path, monkeypatch, no_download):
    (tmp_path / "aclImdb_v1_labeled.tar.gz").write_bytes(b"not the reviews")
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    expected = data.DATASETS["imdb"].files[1].sha256
    with pytest.raises(DataUnavailableError) as info:
        data_path("imdb")
    message = str(info.value)
    assert "aclImdb_v1_labeled.tar.gz" in message
    assert expected in message
    assert hashlib.sha256(b"not the reviews").hexdigest() in message
    assert no_download == []  # a file given by hand is not silently replaced


def test_tampered_census_list_names_file_url_and_variable(tmp_path, monkeypatch, no_download):
    (tmp_path / "dist.all.last").write_text("SMITH          1.006  1.006      1\n")
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    with pytest.raises(DataUnavailableError) as info:
        load_census_names("last")
    message = str(info.value)
    assert "dist.all.last" in message and data.DATASETS["surnames"].files[0].sha256 in message
    assert no_download == []


def test_census_download_arguments(tmp_path, monkeypatch):
    keras = pytest.importorskip("keras")
    source = real_path("male_first_names")
    calls = []
    monkeypatch.setattr(keras.utils, "get_file", lambda **kwargs: calls.append(kwargs) or str(source))
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))  # a folder without the file
    assert load_census_names("male")[0] == "james"
    assert calls == [dict(fname="dist.male.first", origin=CENSUS_URL + "dist.male.first", cache_subdir="rnncourse")]


def test_tampered_download_gives_hash_error(tmp_path, monkeypatch):
    keras = pytest.importorskip("keras")
    bad = tmp_path / "cache" / "Sunspots.csv"
    bad.parent.mkdir()
    bad.write_text(",Date,Monthly Mean Total Sunspot Number\n0,1749-01-31,1.0\n")
    monkeypatch.setattr(keras.utils, "get_file", lambda **kwargs: str(bad))
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    with pytest.raises(DataUnavailableError, match="sha256"):
        load_sunspots()


def test_unknown_data_set():
    with pytest.raises(ValueError, match="sunspots"):
        data_path("mnist")


# --------------------------------------------------------------------------
# Fibonacci sequences


def test_fibonacci_values():
    seq = fibonacci_sequence(10)
    assert seq.dtype == np.float64
    np.testing.assert_array_equal(seq, [1, 2, 3, 5, 8, 13, 21, 34, 55, 89])
    np.testing.assert_array_equal(fibonacci_sequence(5, seeds=(0, 1)), [0, 1, 1, 2, 3])
    np.testing.assert_allclose(fibonacci_sequence(10, scale=89.0)[-1], 1.0)
    np.testing.assert_allclose(fibonacci_sequence(4, seeds=(0.5, -0.25), scale=0.5), [1, -0.5, 0.5, 0])


def test_fibonacci_noise_is_multiplicative_and_seeded():
    clean = fibonacci_sequence(20)
    noisy = fibonacci_sequence(20, noise=0.1, rng=42)
    eps = np.random.default_rng(42).standard_normal(20)
    np.testing.assert_allclose(noisy, clean * (1 + 0.1 * eps))
    np.testing.assert_array_equal(noisy, fibonacci_sequence(20, noise=0.1, rng=np.random.default_rng(42)))
    assert not np.array_equal(noisy, fibonacci_sequence(20, noise=0.1, rng=43))
    assert not np.array_equal(noisy, clean)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n_terms=1),
        dict(n_terms=2.5),
        dict(n_terms=5, seeds=(1,)),
        dict(n_terms=5, seeds=(1, np.nan)),
        dict(n_terms=5, scale=0),
        dict(n_terms=5, noise=-0.1),
    ],
)
def test_fibonacci_sequence_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        fibonacci_sequence(**kwargs)


def test_fibonacci_windows_shapes_and_rule():
    X, y, scale = fibonacci_windows(50, window_size=4, n_terms=12, seed=1)
    n_windows = 50 * (12 - 4)
    assert X.shape == (n_windows, 4) and y.shape == scale.shape == (n_windows,)
    assert X.dtype == y.dtype == scale.dtype == np.float32
    # The rule holds exactly, up to float32 rounding of values of size <= 2.
    np.testing.assert_allclose(X[:, -1] + X[:, -2], y, rtol=0, atol=1e-6)
    assert np.abs(X).max() <= 1.0
    np.testing.assert_allclose(np.abs(X).max(axis=1), 1.0)  # the largest term sets the scale
    assert np.all(scale > 0)


def test_fibonacci_windows_scaling_is_invertible():
    X, y, scale = fibonacci_windows(3, window_size=5, seed=7, seed_range=2.0)
    n_terms = 5 + 6  # the default
    seeds = np.random.default_rng(7).uniform(-2.0, 2.0, size=(3, 2))
    raw = np.stack([fibonacci_sequence(n_terms, seeds=s) for s in seeds])
    expected = np.lib.stride_tricks.sliding_window_view(raw, 6, axis=1).reshape(-1, 6)
    np.testing.assert_allclose(X * scale[:, None], expected[:, :-1], rtol=1e-6)
    np.testing.assert_allclose(y * scale, expected[:, -1], rtol=1e-6)


def test_fibonacci_windows_deterministic_and_seeded():
    first = fibonacci_windows(10, 3, seed=5)
    for a, b in zip(first, fibonacci_windows(10, 3, seed=5)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], fibonacci_windows(10, 3, seed=6)[0])


def test_fibonacci_windows_rejects_bad_arguments():
    with pytest.raises(ValueError):
        fibonacci_windows(0, 3)
    with pytest.raises(ValueError):
        fibonacci_windows(5, 1)
    with pytest.raises(ValueError):
        fibonacci_windows(5, 4, n_terms=4)
    with pytest.raises(ValueError):
        fibonacci_windows(5, 4, seed_range=0)


# --------------------------------------------------------------------------
# The agreement task (chapter 6, reused by chapters 7-8)

NOUN_IDS = {data.AGREEMENT_VOCABULARY.index(word): number
            for pair in data.AGREEMENT_NOUNS for number, word in enumerate(pair)}
FILLER_IDS = {data.AGREEMENT_VOCABULARY.index(word) for word in data.AGREEMENT_FILLERS}


def test_agreement_vocabulary_has_unique_words_and_padding_first():
    vocabulary = data.AGREEMENT_VOCABULARY
    assert len(set(vocabulary)) == len(vocabulary)
    assert vocabulary[0] == data.PAD
    # No filler is a noun or a verb: nothing but the subject tells its number.
    nouns = {word for pair in data.AGREEMENT_NOUNS for word in pair}
    assert not (set(data.AGREEMENT_FILLERS) & (nouns | set(data.AGREEMENT_VERBS)))


@pytest.mark.parametrize("lag", [0, 1, 7, 40])
def test_agreement_task_layout_and_labels(lag):
    X, y = data.agreement_task(500, lag, seed=3)
    assert X.shape == (500, lag + 2) and y.shape == (500,)
    assert X.dtype == np.int32 and y.dtype == np.int32
    assert np.all(X[:, 0] == data.AGREEMENT_VOCABULARY.index("The"))
    # The label is the number of the noun right after "The", lag + 1 words before the verb.
    np.testing.assert_array_equal(y, [NOUN_IDS[token] for token in X[:, 1]])
    assert set(np.unique(X[:, 2:])) <= FILLER_IDS
    assert np.all(X > 0), "token 0 is kept for padding"


def test_agreement_task_is_balanced_and_fillers_do_not_tell_the_label():
    X, y = data.agreement_task(20_000, 5, seed=0)
    assert abs(y.mean() - 0.5) < 0.02
    assert set(np.unique(X[:, 1])) == set(NOUN_IDS)
    # The fillers of singular and plural sentences have the same distribution.
    counts = [np.bincount(X[y == label, 2:].ravel(), minlength=len(data.AGREEMENT_VOCABULARY)) for label in (0, 1)]
    shares = [c / c.sum() for c in counts]
    assert np.max(np.abs(shares[0] - shares[1])) < 0.01
    assert np.all(shares[0][sorted(FILLER_IDS)] > 0.03)  # every filler is used (1/24 each)


def test_agreement_task_deterministic_and_seeded():
    X1, y1 = data.agreement_task(50, 4, seed=1)
    X2, y2 = data.agreement_task(50, 4, seed=1)
    X3, _ = data.agreement_task(50, 4, seed=2)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    rng = np.random.default_rng(5)
    first, _ = data.agreement_task(10, 3, seed=rng)
    second, _ = data.agreement_task(10, 3, seed=rng)
    assert not np.array_equal(first, second), "a Generator is consumed, not reseeded"


def test_agreement_sentence_reads_the_tokens():
    X, y = data.agreement_task(1, 2, seed=0)
    words = data.agreement_sentence(X[0], y[0]).split()
    assert words[0] == "The" and len(words) == 5
    assert words[-1] == ("was", "were")[y[0]]
    assert data.agreement_sentence([0, *X[0]]) == " ".join(words[:-1]), "padding is skipped"


@pytest.mark.parametrize("kwargs", [dict(n_examples=0, lag=3), dict(n_examples=5, lag=-1),
                                    dict(n_examples=5, lag=2.5), dict(n_examples=True, lag=3)])
def test_agreement_task_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        data.agreement_task(**kwargs)
