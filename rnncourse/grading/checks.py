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


# ---- judged the same way in several chapters ----------------------------------------------------


def assert_imdb_classifier(data, cell_name, vocab_size, embedding_dim, n_units):
    """A ``describe_model`` description must be the course's IMDB classifier (``rnncourse.imdb``):
    Embedding -> Bidirectional(cell_name(n_units)) -> Dense(6, relu) -> Dense(1, sigmoid), layer by layer.

    Each layer's count comes from the cells' formulas (``imdb_parameter_counts``), so a layer built
    with other settings (a GRU with ``reset_after=False``, say) is named by the layer it is in.
    """
    from rnncourse.cells import CELLS
    from rnncourse.imdb import HEAD_UNITS, imdb_parameter_counts

    cell = CELLS[cell_name]
    embedding, recurrent, hidden, decision = imdb_parameter_counts(cell_name, "concat", n_units, vocab_size,
                                                                   embedding_dim)
    embeddings = layers_of(data, "Embedding")
    assert len(embeddings) == 1, f"The model should start with one Embedding layer; it has {len(embeddings)}."
    assert_count_params("The Embedding layer", embeddings[0]["params"], embedding,
                        f"vocab_size x embedding_dim = {vocab_size} x {embedding_dim}")
    bidirectional = layers_of(data, "Bidirectional")
    assert len(bidirectional) == 1 and bidirectional[0]["forward_layer"]["class"] == cell_name, (
        f"The model should have one Bidirectional({cell_name}(n_units)) layer.")
    layer = bidirectional[0]["forward_layer"]
    assert layer["units"] == n_units, f"The {cell_name} has {layer['units']} units; it should have n_units = {n_units}."
    bias_vectors = cell.keras_bias_vectors
    default = " (reset_after=True, Keras' default)" if bias_vectors == 2 else ""
    assert_count_params(f"Bidirectional({cell_name}({n_units})) on {embedding_dim} features",
                        bidirectional[0]["params"], recurrent,
                        f"2 directions x {cell.count_formula(embedding_dim, n_units, bias_vectors)}{default}")
    dense = layers_of(data, "Dense")
    assert [layer["units"] for layer in dense] == [HEAD_UNITS, 1] and dense[-1]["activation"] == "sigmoid", (
        f"After the {cell_name} come Dense({HEAD_UNITS}, relu) and Dense(1, sigmoid).")
    assert_count_params("The model", data["params"], embedding + recurrent + hidden + decision,
                        f"{embedding:,} + {recurrent:,} + {hidden} + {decision}")


def held_out_accuracy(probabilities, y, what):
    """The share of ``y`` (0/1 labels) that ``probabilities`` get right at the 0.5 threshold.

    ``what`` names one prediction ("sequences", "steps") for the message when the shapes differ,
    which is how a model that answers once per sequence instead of once per step shows.
    """
    probabilities = np.asarray(probabilities)
    assert probabilities.shape == y.shape, (
        f"The model gives predictions of shape {probabilities.shape} for {what} labelled in shape {y.shape}.")
    return float(np.mean((probabilities > 0.5) == y))
