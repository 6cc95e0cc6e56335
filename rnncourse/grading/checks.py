"""Assertions shared by the checks of every chapter, and the random RNN problems they check on."""

import math

import numpy as np


def assert_returns(result, n, what):
    """``result`` must be a tuple (or list) of ``n`` items."""
    assert isinstance(result, (tuple, list)) and len(result) == n, (
        f"{what} should return {n} values, got {_describe(result)}."
    )


def assert_shape(name, actual, expected_shape):
    actual = np.asarray(actual)
    assert actual.shape == tuple(expected_shape), (
        f"`{name}` has shape {actual.shape}, expected {tuple(expected_shape)}."
    )


def is_close(actual, expected, atol=1e-7, rtol=1e-7):
    """True when the arrays have the same shape and values (a quiet test for diagnoses)."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    return actual.shape == expected.shape and np.allclose(actual, expected, atol=atol, rtol=rtol)


def assert_close(name, actual, expected, atol=1e-7, rtol=1e-7, hint=""):
    """Values must match; the message gives the largest difference and a hint."""
    assert_shape(name, actual, np.shape(expected))
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert np.all(np.isfinite(actual)), f"`{name}` contains NaN or infinite values."
    if not np.allclose(actual, expected, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(actual - expected)), actual.shape)
        message = (
            f"`{name}` has wrong values: at index {tuple(int(i) for i in worst)} it is "
            f"{actual[worst]:.6g}, expected {expected[worst]:.6g}."
        )
        raise AssertionError(f"{message} {hint}".strip())


def assert_count_params(what, actual, expected, derivation):
    """Parameter counts are compared with a count derived from the architecture."""
    assert actual == expected, (
        f"{what} has {actual:,} parameters, expected {expected:,} = {derivation}."
    )


def assert_epoch_steps(steps, train_sequences, batch_size):
    """A trained model's epochs took the steps of the exercise's data and batch size (not a sliver of it)."""
    expected = math.ceil(train_sequences / batch_size)
    assert steps == expected, (
        f"Each epoch took {steps} steps; {train_sequences:,} training sequences in batches of {batch_size} "
        f"take {expected}: train on (x_train, y_train) as the exercise says.")


def _describe(value):
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


# Random problems live with the cell types (rnncourse/cells.py); re-exported for the chapters' checks.
from rnncourse.cells import random_parameters, random_problem  # noqa: E402,F401


# ---- Keras models as plain data -----------------------------------------------------------

# The layer settings a check may need to judge; read where present.
LAYER_SETTINGS = ("units", "activation", "return_sequences", "return_state", "go_backwards", "merge_mode")


def describe_model(model):
    """What a model's checks judge, as plain data: its parameter count and, per layer,
    the class, parameter count and settings. Bidirectional layers list their forward layer too."""
    def describe(layer):
        config = layer.get_config()
        entry = {"class": type(layer).__name__, "params": int(layer.count_params())}
        entry.update({key: config[key] for key in LAYER_SETTINGS if key in config})
        if hasattr(layer, "forward_layer"):
            entry["forward_layer"] = describe(layer.forward_layer)
        return entry

    return {"params": int(model.count_params()), "layers": [describe(layer) for layer in model.layers]}


def layers_of(description, class_name):
    """The layers of a ``describe_model`` description that are of class ``class_name``."""
    return [layer for layer in description["layers"] if layer["class"] == class_name]
