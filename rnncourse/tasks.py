"""Synthetic sequence tasks the chapters train and grade on: generated, so that nothing is downloaded.

Each task is a function of its sizes and a seed, so that a notebook, a page and
a check that ask for the same seed get the same sequences.
"""

import numpy as np


# ---- chapter 7: remember the first input ---------------------------------------------------------


def memory_task(n_sequences, T_x, seed):
    """``(x, y)``: ``x`` is ``(n_sequences, T_x, 1)``, noise except the first step, which is +1 or -1; ``y`` says which.

    To answer at the end, a recurrent layer must carry the first value across
    ``T_x - 1`` steps of noise.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_sequences)
    x = rng.standard_normal((n_sequences, T_x, 1))
    x[:, 0, 0] = 2.0 * y - 1.0
    return x.astype("float32"), y
