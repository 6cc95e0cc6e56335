"""Forecasting a series one step ahead, and judging the forecast on the validation period.

A forecast for time ``t`` may use only the values before ``t``. Every function
here predicts the validation period ``series[split_time:]`` of a series split as
in :func:`rnncourse.windows.split_series`, so their results line up with each
other and with the true values ``series[split_time:]``:

* :func:`naive_forecast`: the last value seen, ``series[t - 1]``; the baseline
  that a model must beat to be worth anything;
* :func:`model_forecast`: a Keras model fed the ``window_size`` values
  before each ``t``;
* :func:`mean_absolute_error` and :func:`validation_mae` score them.
"""

from __future__ import annotations

import numpy as np


def _check_split(series: np.ndarray, split_time: int, history: int) -> None:
    if series.ndim != 1:
        raise ValueError(f"series must be one-dimensional, got shape {series.shape}")
    if not history <= split_time < len(series):
        raise ValueError(
            f"split_time must be between {history} and {len(series) - 1} "
            f"(a forecast needs {history} earlier values), got {split_time}"
        )


def naive_forecast(series, split_time: int) -> np.ndarray:
    """The last-value forecast of ``series[split_time:]``: each value predicted by the one before it."""
    series = np.asarray(series)
    _check_split(series, split_time, 1)
    return series[split_time - 1:-1].copy()


def forecast_windows(series, split_time: int, window_size: int) -> np.ndarray:
    """The inputs of a one-step forecast of ``series[split_time:]``.

    Row ``i`` is ``series[t - window_size:t]`` for ``t = split_time + i``, the
    values just before the one to predict; shape
    ``(len(series) - split_time, window_size)``.
    """
    series = np.asarray(series)
    if window_size < 1:
        raise ValueError(f"window_size must be >= 1, got {window_size}")
    _check_split(series, split_time, window_size)
    # The last window ends just before the last value: the series without its last value.
    windows = np.lib.stride_tricks.sliding_window_view(series[:-1], window_size)
    return windows[split_time - window_size:].copy()


def model_forecast(model, series, split_time: int, window_size: int, batch_size: int = 512) -> np.ndarray:
    """A Keras model's one-step forecast of ``series[split_time:]``, one value per month.

    The model reads a batch of windows ``(batch, window_size)`` and returns one
    value per window, ``(batch,)`` or ``(batch, 1)``.
    """
    windows = forecast_windows(series, split_time, window_size).astype("float32")
    predictions = np.asarray(model.predict(windows, batch_size=batch_size, verbose=0))
    if predictions.size != len(windows):
        raise ValueError(
            f"the model returned {predictions.shape} for {len(windows)} windows: "
            "it should give one value per window (a sequence-to-vector model)"
        )
    return predictions.reshape(-1)


def mean_absolute_error(y_true, y_pred) -> float:
    """The mean of ``|y_true - y_pred|``, in the units of the series."""
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"shapes differ: {y_true.shape} and {y_pred.shape}")
    return float(np.mean(np.abs(y_true - y_pred)))


def validation_mae(model, series, split_time: int, window_size: int) -> float:
    """MAE of ``model_forecast`` on ``series[split_time:]``."""
    series = np.asarray(series)
    return mean_absolute_error(series[split_time:], model_forecast(model, series, split_time, window_size))


def naive_mae(series, split_time: int) -> float:
    """MAE of ``naive_forecast`` on ``series[split_time:]``: the score to beat."""
    series = np.asarray(series)
    return mean_absolute_error(series[split_time:], naive_forecast(series, split_time))
