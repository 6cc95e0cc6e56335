"""The activations of the NumPy exercises (rnncourse/activations.py), in the course layout."""

import numpy as np

from rnncourse.activations import sigmoid, softmax


def test_softmax_is_per_column_and_stable():
    z = np.array([[1000.0, 0.0], [1000.0, 1.0]])
    s = softmax(z)
    np.testing.assert_allclose(s.sum(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(s[:, 0], [0.5, 0.5])
    # Each column on its own: the second is the two-class softmax of (0, 1).
    np.testing.assert_allclose(s[:, 1], [1 / (1 + np.e), np.e / (1 + np.e)])


def test_sigmoid_is_the_logistic_function():
    z = np.linspace(-6.0, 6.0, 13)
    assert sigmoid(0.0) == 0.5
    np.testing.assert_allclose(sigmoid(z), (1 + np.tanh(z / 2)) / 2)  # an identity, not the same formula
