"""Assertions shared by the checks of every chapter, and the random RNN problems they check on."""

import contextlib
import functools
import sys

import numpy as np


def check(what):
    """Decorator for the ``check_*`` functions of a chapter.

    nbgrader gives a test cell zero points when the cell writes to stderr, so a
    harmless warning (from Keras, say) printed while checking a correct answer
    would cost points: during a check, stderr goes to stdout instead.
    """
    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            with contextlib.redirect_stderr(sys.stdout):
                result = function(*args, **kwargs)
            print(f"{what}: all checks passed.")
            return result
        return run
    return decorate


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


def _describe(value):
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


# ---- random problems for the RNN of chapter 2 ----------------------------------------


def random_parameters(n_x, n_a, n_y, rng):
    """``W_ax``, ``W_aa``, ``W_ya``, ``b_a``, ``b_y`` drawn from N(0, 0.5^2) with the generator ``rng``."""
    # Scaled so that tanh does not saturate: sigmoid and tanh then give clearly different states.
    def draw(*shape):
        return 0.5 * rng.standard_normal(shape)

    return {
        "W_ax": draw(n_a, n_x),
        "W_aa": draw(n_a, n_a),
        "W_ya": draw(n_y, n_a),
        "b_a": draw(n_a, 1),
        "b_y": draw(n_y, 1),
    }


def random_problem(n_x, n_a, n_y, m, seed, T_x=None):
    """``(parameters, x, a_prev)``: ``x`` is ``(n_x, m, T_x)``, or one step ``(n_x, m)`` if T_x is None."""
    rng = np.random.default_rng(seed)
    parameters = random_parameters(n_x, n_a, n_y, rng)
    x = rng.standard_normal((n_x, m) if T_x is None else (n_x, m, T_x))
    a_prev = rng.standard_normal((n_a, m))
    return parameters, x, a_prev
