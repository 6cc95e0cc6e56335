"""How far back can a recurrent layer remember? Train it on the agreement task at several lags.

Chapter 6 measures where a ``SimpleRNN`` stops beating the trivial baseline;
chapters 7 and 8 run the same measurement with a GRU and an LSTM. A sweep over
many lags takes longer than a book page may run, so it is a command that stores
its results in a small JSON file under ``book/results/``, which the pages read:

    python -m rnncourse.long_range --layer SimpleRNN --out ch06_simple_rnn_lags

Every run is seeded (the weights, the batches and the data), so the file is
reproducible on the same machine and software versions.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from rnncourse.data import AGREEMENT_VOCABULARY, agreement_task

RESULTS_DIR = Path(__file__).resolve().parent.parent / "book" / "results"

# Test sentences per run: with 2,000 of them a model that guesses scores 0.5 +- 0.011,
# so an accuracy above 0.5 + MARGIN (4.5 standard deviations) is no accident.
N_TEST = 2000
MARGIN = 0.05

# The settings of one run (chapter 6 states them; chapters 7-8 keep them to compare).
SETTINGS = dict(n_a=32, embedding_dim=8, n_train=4000, epochs=10, batch_size=64, learning_rate=1e-2, max_norm=1.0)


def agreement_model(layer="SimpleRNN", n_a=32, embedding_dim=8):
    """Embedding -> recurrent layer (last state only) -> Dense(1, sigmoid): P(the verb is "were").

    The input length is left open (``None``), so one model reads sentences of any lag.
    """
    import keras

    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(len(AGREEMENT_VOCABULARY), embedding_dim),
        getattr(keras.layers, layer)(n_a),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def baseline_accuracy(y):
    """Accuracy of always answering the most frequent label of ``y``: the trivial baseline."""
    share = float(np.mean(y))
    return max(share, 1 - share)


def beats_baseline(accuracy, baseline):
    return accuracy > baseline + MARGIN


def train_on_lag(lag, layer="SimpleRNN", seed=0, n_a=32, embedding_dim=8, n_train=4000, epochs=10,
                 batch_size=64, learning_rate=1e-2, max_norm=1.0):
    """Train a fresh model on sentences with ``lag`` words between noun and verb; test it on new ones.

    Adam with the gradients clipped to a global norm of ``max_norm``. Returns a
    dict of plain numbers: the held-out accuracy, the baseline's, the training
    loss and accuracy of the last epoch, and the seconds the training took.
    """
    import keras

    keras.utils.set_random_seed(seed)
    # Training and test sentences come from different seeds: no sentence is graded twice.
    X_train, y_train = agreement_task(n_train, lag, seed=10_000 * seed + 2 * lag)
    X_test, y_test = agreement_task(N_TEST, lag, seed=10_000 * seed + 2 * lag + 1)
    model = agreement_model(layer, n_a, embedding_dim)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=max_norm),
                  loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(X_test, y_test, verbose=0, batch_size=500)
    return {
        "lag": int(lag), "layer": layer, "seed": int(seed), "test_accuracy": float(accuracy),
        "baseline": baseline_accuracy(y_test), "train_loss": float(history.history["loss"][-1]),
        "train_accuracy": float(history.history["accuracy"][-1]), "seconds": seconds,
    }


def learned(run):
    """Whether a run's held-out accuracy beats its baseline by more than MARGIN."""
    return beats_baseline(run["test_accuracy"], run["baseline"])


def first_failing_lag(runs):
    """The smallest lag at which some run does not beat the baseline (None if every run does).

    Below it every seed learns the task; from it on, whether a run learns is a matter of luck.
    """
    failing = [run["lag"] for run in runs if not learned(run)]
    return min(failing) if failing else None


def results_path(name):
    return RESULTS_DIR / f"{name}.json"


def load_results(name):
    """The runs stored by ``python -m rnncourse.long_range --out NAME``, and the settings they used."""
    path = results_path(name)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `python -m rnncourse.long_range --out {name}` first.")
    return json.loads(path.read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layer", default="SimpleRNN", help="a keras.layers class: SimpleRNN, GRU, LSTM")
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 10, 20, 30, 40, 50, 60, 80, 100, 150])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", required=True, help="name of the results file in book/results/")
    args = parser.parse_args(argv)

    runs = []
    for lag in args.lags:
        for seed in args.seeds:
            run = train_on_lag(lag, args.layer, seed, **SETTINGS)
            runs.append(run)
            print(f"{args.layer} lag {lag:4d} seed {seed}: test accuracy {run['test_accuracy']:.3f} "
                  f"(baseline {run['baseline']:.3f}), {run['seconds']:.0f} s", flush=True)
    path = results_path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"layer": args.layer, "settings": SETTINGS, "n_test": N_TEST, "margin": MARGIN,
                                "runs": runs}, indent=1) + "\n")
    print(f"first lag where some run does not beat the baseline: {first_failing_lag(runs)}; results in {path}")


if __name__ == "__main__":
    main()


def agreement_rnn_problem(n_a, lag, m, seed, scale=1.0):
    """A NumPy problem on the agreement task for the course's RNN: ``(parameters, x, y)``.

    ``x`` holds ``m`` one-hot sentences, shape ``(n_x, m, lag + 2)`` with ``n_x``
    the vocabulary size, and ``y`` their labels (0 "was", 1 "were"). The weights
    are a starting point for training a many-to-one RNN with a softmax over the
    two verbs: ``W_aa = scale * Q`` with ``Q`` a random orthogonal matrix (every
    singular value equals ``scale``), ``W_ax`` of standard deviation 0.5, small
    ``W_ya`` and zero biases.
    """
    rng = np.random.default_rng(seed)
    n_x = len(AGREEMENT_VOCABULARY)
    Q, _ = np.linalg.qr(rng.standard_normal((n_a, n_a)))
    parameters = {"W_aa": scale * Q, "W_ax": 0.5 * rng.standard_normal((n_a, n_x)), "b_a": np.zeros((n_a, 1)),
                  "W_ya": 0.1 * rng.standard_normal((2, n_a)), "b_y": np.zeros((2, 1))}
    tokens, y = agreement_task(m, lag, rng)
    x = np.eye(n_x)[:, tokens]  # (n_x, m, T_x): one column of the identity per token
    return parameters, x, y.astype(np.int64)
