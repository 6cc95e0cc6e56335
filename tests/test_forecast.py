"""rnncourse.forecast: the forecasts line up with series[split_time:] and score what they should."""

import numpy as np
import pytest

from rnncourse import forecast


class LastValue:
    """Stands in for a Keras model: predicts the last value of each window."""

    def predict(self, windows, batch_size=None, verbose=0):
        return windows[:, -1:]


class Mean:
    def predict(self, windows, batch_size=None, verbose=0):
        return windows.mean(axis=1)


def test_naive_forecast_repeats_the_previous_value():
    series = np.array([3.0, 5.0, 4.0, 8.0, 6.0])
    np.testing.assert_array_equal(forecast.naive_forecast(series, 2), [5.0, 4.0, 8.0])
    # |4 - 5| + |8 - 4| + |6 - 8| = 7 over 3 values
    assert forecast.naive_mae(series, 2) == pytest.approx(7 / 3)


def test_forecast_windows_end_just_before_each_value():
    series = np.arange(10.0)
    windows = forecast.forecast_windows(series, split_time=6, window_size=3)
    np.testing.assert_array_equal(windows, [[3, 4, 5], [4, 5, 6], [5, 6, 7], [6, 7, 8]])
    assert len(windows) == len(series[6:])


def test_a_model_that_repeats_the_last_value_is_the_naive_forecast():
    rng = np.random.default_rng(0)
    series = rng.normal(size=50).astype("float32")
    predicted = forecast.model_forecast(LastValue(), series, split_time=30, window_size=4)
    np.testing.assert_array_equal(predicted, forecast.naive_forecast(series, 30))
    assert forecast.validation_mae(LastValue(), series, 30, 4) == pytest.approx(forecast.naive_mae(series, 30))


def test_model_forecast_uses_the_window_before_each_value():
    series = np.arange(20.0)
    predicted = forecast.model_forecast(Mean(), series, split_time=10, window_size=3)
    np.testing.assert_allclose(predicted, series[10:] - 2)  # mean of t-3, t-2, t-1


def test_model_forecast_with_keras():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Lambda(lambda x: x[:, -1:] + 1.0)])
    series = np.arange(12.0)
    np.testing.assert_allclose(forecast.model_forecast(model, series, 8, 5), series[8:])


def test_a_sequence_to_sequence_model_is_refused():
    class EveryStep:
        def predict(self, windows, batch_size=None, verbose=0):
            return windows[:, :, None]

    with pytest.raises(ValueError, match="one value per window"):
        forecast.model_forecast(EveryStep(), np.arange(20.0), 10, 3)


@pytest.mark.parametrize("split_time, window_size", [(2, 3), (20, 3), (0, 1)])
def test_bad_splits_are_refused(split_time, window_size):
    with pytest.raises(ValueError):
        forecast.forecast_windows(np.arange(20.0), split_time, window_size)


def test_mean_absolute_error_needs_matching_shapes():
    assert forecast.mean_absolute_error([1, 2], [2, 4]) == 1.5
    with pytest.raises(ValueError):
        forecast.mean_absolute_error([1, 2], [1, 2, 3])
