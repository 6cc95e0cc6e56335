"""Assertions shared by the checks of every chapter."""

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
