"""Tests of rnncourse.windows: NumPy windows, the tf.data pipeline and the split."""

import numpy as np
import pytest

from rnncourse.windows import make_windows, split_series, windowed_dataset


def collect(dataset):
    """All (x, y) batches of a dataset, concatenated into two arrays."""
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in dataset])
    return np.concatenate(xs), np.concatenate(ys)


def test_make_windows_values():
    X, y = make_windows(np.arange(6.0), 3)
    np.testing.assert_array_equal(X, [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(y, [3, 4, 5])
    assert X.flags.writeable and y.flags.writeable


def test_make_windows_general_shapes():
    series = np.random.default_rng(0).normal(size=100).astype(np.float32)
    X, y = make_windows(series, 7)
    assert X.shape == (93, 7) and y.shape == (93,)
    assert X.dtype == y.dtype == np.float32
    for i in (0, 50, 92):
        np.testing.assert_array_equal(X[i], series[i : i + 7])
        assert y[i] == series[i + 7]


@pytest.mark.parametrize("length, window_size", [(3, 3), (2, 5), (0, 1)])
def test_make_windows_too_short(length, window_size):
    with pytest.raises(ValueError, match="too short"):
        make_windows(np.arange(float(length)), window_size)


def test_make_windows_rejects_2d_series():
    with pytest.raises(ValueError, match="one-dimensional"):
        make_windows(np.zeros((10, 2)), 3)


@pytest.mark.parametrize("shuffle_buffer", [0, None])
def test_windowed_dataset_agrees_with_make_windows(shuffle_buffer):
    series = np.sin(np.arange(50) / 3.0).astype(np.float32)
    X, y = make_windows(series, 5)
    X_tf, y_tf = collect(windowed_dataset(series, 5, batch_size=8, shuffle_buffer=shuffle_buffer))
    np.testing.assert_array_equal(X_tf, X)
    np.testing.assert_array_equal(y_tf, y)


def test_windowed_dataset_batch_shapes():
    series = np.arange(30, dtype=np.float32)
    batches = list(windowed_dataset(series, 4, batch_size=10, shuffle_buffer=100, seed=1))
    # 26 windows: batches of 10, 10 and the remaining 6.
    assert [tuple(x.shape) for x, _ in batches] == [(10, 4), (10, 4), (6, 4)]
    assert [tuple(y.shape) for _, y in batches] == [(10,), (10,), (6,)]


def test_windowed_dataset_shuffles_pairs_together():
    series = np.arange(40, dtype=np.float32)
    X, y = collect(windowed_dataset(series, 3, batch_size=4, shuffle_buffer=100, seed=0))
    assert not np.array_equal(y, np.arange(3, 40))  # the order changed ...
    np.testing.assert_array_equal(np.sort(y), np.arange(3, 40))  # ... not the windows
    # Each label is still the value right after its window.
    np.testing.assert_array_equal(X, y[:, None] - np.arange(3, 0, -1))


def test_windowed_dataset_too_short():
    with pytest.raises(ValueError, match="too short"):
        windowed_dataset(np.arange(4.0), 4, batch_size=2, shuffle_buffer=0)


def test_split_series():
    time = np.arange(10)
    series = time * 2.0
    (time_train, x_train), (time_valid, x_valid) = split_series(time, series, 7)
    np.testing.assert_array_equal(time_train, np.arange(7))
    np.testing.assert_array_equal(x_train, series[:7])
    np.testing.assert_array_equal(time_valid, [7, 8, 9])
    np.testing.assert_array_equal(x_valid, series[7:])


@pytest.mark.parametrize("split_time", [0, 10, 11])
def test_split_series_bad_split(split_time):
    with pytest.raises(ValueError):
        split_series(np.arange(10), np.zeros(10), split_time)


def test_split_series_length_mismatch():
    with pytest.raises(ValueError, match="length"):
        split_series(np.arange(10), np.zeros(9), 5)
