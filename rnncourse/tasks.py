"""Synthetic sequence tasks the chapters train and grade on, each a function of a size and a seed.

A task returns ``(x, y)`` as Keras reads them: ``x`` of shape ``(n_sequences, T_x, n_x)`` and the labels, so that a
page, a notebook and its grading module draw the same data from the same seed.
"""

import numpy as np


# ---- chapter 9: a tagger that needs the next input ---------------------------------------------


def next_input_task(n_sequences, T_x, seed):
    """``(x, y)``: ``x`` is ``(n_sequences, T_x, 1)`` noise; the label of step t says whether x<t> + x<t+1> > 0.

    The last step has no next input (it counts as 0). A left-to-right RNN has
    not read x<t+1> when it labels step t, so it can only guess that half of the
    sum (about 75% right); a bidirectional one has read it.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_sequences, T_x, 1))
    following = np.concatenate([x[:, 1:, 0], np.zeros((n_sequences, 1))], axis=1)
    return x.astype("float32"), (x[:, :, 0] + following > 0).astype("float32")[:, :, None]


# ---- chapter 10: a task where depth pays ----------------------------------------------------------


def outlier_parity_task(n_sequences, T_x, seed):
    """``(x, y)``: ``x`` is ``(n_sequences, T_x, 1)`` noise from N(0, 1); the label of step t says whether an odd
    number of x<1>, ..., x<t> lie beyond +-1.

    Each step needs two stages of computation: whether |x<t>| > 1, which is not
    monotone in x<t> (no single sigmoid or tanh of x<t> says it), and then
    flipping the running parity on that answer. A stack of two layers can give
    each stage a layer at the same step; a single layer must do both in one
    update. About a third of the steps flip the parity, so the labels are
    balanced after the first few steps.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_sequences, T_x, 1))
    flips = np.abs(x[:, :, 0]) > 1
    return x.astype("float32"), (np.cumsum(flips, axis=1) % 2).astype("float32")[:, :, None]


def tagger_count(n_x, units):
    """Parameters of a stack of Keras GRU layers (default settings) of ``units`` with Dense(1) on its top layer."""
    from rnncourse.cells import GRU, stack_count_params

    return sum(stack_count_params(GRU, n_x, units, bias_vectors=GRU.keras_bias_vectors)) + units[-1] + 1


def narrowest_single_layer(n_x, units):
    """The fewest units of a single GRU tagger with at least the parameters of the stack ``units``.

    Depth is compared at about the same size, and the single layer gets the benefit of any rounding.
    """
    n_a = 1
    while tagger_count(n_x, [n_a]) < tagger_count(n_x, units):
        n_a += 1
    return n_a
