"""Cut a time series into (window, next value) pairs, in NumPy and with tf.data."""

from __future__ import annotations

import numpy as np


def _check(series: np.ndarray, window_size: int) -> None:
    if series.ndim != 1:
        raise ValueError(f"series must be one-dimensional, got shape {series.shape}")
    if window_size < 1:
        raise ValueError(f"window_size must be >= 1, got {window_size}")
    if len(series) <= window_size:
        raise ValueError(
            f"series of length {len(series)} is too short for window_size={window_size}: "
            f"a window plus its label needs at least {window_size + 1} values"
        )


def make_windows(series, window_size: int) -> tuple[np.ndarray, np.ndarray]:
    """All windows of a series and the value that follows each.

    ``X[i] = series[i:i + window_size]`` and ``y[i] = series[i + window_size]``,
    so X has shape (len(series) - window_size, window_size) and y one value per row.
    """
    series = np.asarray(series)
    _check(series, window_size)
    cuts = np.lib.stride_tricks.sliding_window_view(series, window_size + 1)
    # Copies: the view is read-only and shares memory with the series.
    return cuts[:, :-1].copy(), cuts[:, -1].copy()


def windowed_dataset(
    series,
    window_size: int,
    batch_size: int,
    shuffle_buffer: int | None,
    seed: int | None = None,
):
    """The same windows as ``make_windows``, as a shuffled, batched tf.data.Dataset.

    Yields ``(x, y)`` with x of shape (batch, window_size) and y of shape
    (batch,). ``shuffle_buffer=0`` or ``None`` turns shuffling off, so the
    windows come in the order of the series (useful to check or to predict).
    """
    import tensorflow as tf  # lazy: importing TensorFlow takes seconds

    series = np.asarray(series)
    _check(series, window_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")

    dataset = tf.data.Dataset.from_tensor_slices(series)
    # Windows of window_size + 1 values: the inputs and the label that follows.
    dataset = dataset.window(window_size + 1, shift=1, drop_remainder=True)
    # Each window is itself a small dataset; batch it into a single tensor.
    dataset = dataset.flat_map(lambda window: window.batch(window_size + 1))
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.map(lambda window: (window[:-1], window[-1]))
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def split_series(time, series, split_time: int):
    """Split a series at ``split_time``: ``(time_train, x_train), (time_valid, x_valid)``.

    No shuffling: the validation period comes after the training period, as
    it would when forecasting the future.
    """
    time, series = np.asarray(time), np.asarray(series)
    if len(time) != len(series):
        raise ValueError(f"time and series differ in length: {len(time)} != {len(series)}")
    if not 0 < split_time < len(series):
        raise ValueError(f"split_time must be between 1 and {len(series) - 1}, got {split_time}")
    return (time[:split_time], series[:split_time]), (time[split_time:], series[split_time:])
