"""Code that later chapters hand their students: the course's loss and forward pass, computed by Keras.

Chapter 3 onwards needs chapter 2's forward pass (its states and caches) without
handing out chapter 2's NumPy answer, so the forward pass here is computed by a
Keras ``SimpleRNN`` and ``Dense(softmax)`` holding the course's weights
(``keras_bridge.keras_rnn_forward``), and the caches are rebuilt from its states
in chapter 2's format. The loss of the course (``keras_bridge.course_loss_tensor``,
written once) is handed out here for the checks, the book's pages and the
notebooks; students still write ``rnn_loss``.
"""

import numpy as np

from rnncourse.keras_bridge import course_loss_tensor, keras_rnn_forward, to_keras_sequence


def keras_course_loss(y_keras, y_hat_keras):
    """J from Keras-layout ``(m, T_x, n_y)`` targets and predictions, as a tensor (differentiable on a tape)."""
    return course_loss_tensor(y_keras, y_hat_keras)


def course_loss(y, y_hat):
    """J as a number, from course-layout ``(n_y, m, T_x)`` targets and predictions."""
    return float(keras_course_loss(to_keras_sequence(y), to_keras_sequence(y_hat)))


def one_hot_targets(n_y, m, T_x, rng):
    """Random one-hot targets ``y`` of shape (n_y, m, T_x): one true class per example and step."""
    return np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T_x))]


def caches_of(x, a0, a, parameters):
    """The caches of chapter 2's ``rnn_forward``, rebuilt from the states ``a``.

    ``(list of (a_next, a_prev, x_t, parameters) for each step, x)``.
    """
    T_x = x.shape[2]
    a_prev = [a0] + [a[:, :, t - 1] for t in range(1, T_x)]
    return [(a[:, :, t], a_prev[t], x[:, :, t], parameters) for t in range(T_x)], x


def rnn_forward(x, a0, parameters):
    """Chapter 2's forward pass, ``(a, y_hat, caches)`` in the course layout, computed by Keras in float64."""
    a, y_hat = keras_rnn_forward(x, a0, parameters)
    return a, y_hat, caches_of(x, a0, a, parameters)


def fibonacci_model(n_units=10, window_size=5):
    """Input(window_size) -> Reshape -> SimpleRNN(n_units) -> Dense(1): the model of chapter 2."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(window_size,)),
        keras.layers.Reshape((window_size, 1)),
        keras.layers.SimpleRNN(n_units),
        keras.layers.Dense(1),
    ])
