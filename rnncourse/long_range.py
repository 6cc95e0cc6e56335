"""How far back can a recurrent layer remember? Train it on the agreement task at several lags.

Chapters 6 to 8 ask one question of three cells: a ``SimpleRNN``, a GRU and an
LSTM of about the same number of parameters read "The <noun> w_1 ... w_lag"
and must say whether the verb is "was" or "were". From which lag on does each
fail? The gated cells are run twice: with Keras' gate biases, and with biases
that start them carrying (the chrono initialization of Tallec & Ollivier 2018:
forget or keep gates open on a time scale drawn up to the sequence length). The
sweep takes longer than a page may run, so it is a command whose results the
pages read (``book/results/long_range.json``):

    python -m rnncourse.experiments long_range            # the sweep and the gradient profiles
    python -m rnncourse.experiments long_range --short    # the same code on a sliver (tests, CI)

Every run is seeded (weights, batches, data), so the file is reproducible on the
same machine and software versions.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from rnncourse.data import AGREEMENT_VOCABULARY, agreement_task

# Test sentences per run: with 2,000 of them a model that guesses scores 0.5 +- 0.011,
# so an accuracy above 0.5 + MARGIN (4.5 standard deviations) is no accident.
N_TEST = 2000
MARGIN = 0.05

# The settings of one run. Training stops early once an epoch's training accuracy reaches
# ``stop_at``: a learned run costs a few epochs, a failed one the whole budget.
SETTINGS = dict(embedding_dim=8, n_train=4000, epochs=10, batch_size=64, learning_rate=1e-2, max_norm=1.0,
                stop_at=0.99)
# Units per cell, chosen so that the three layers have about the same number of parameters
# (the SimpleRNN the most): SimpleRNN(64) 4,672, GRU(32) 3,936, LSTM(28) 4,144 on 8 inputs.
UNITS = {"SimpleRNN": 64, "GRU": 32, "LSTM": 28}
# Gate-bias settings: Keras' defaults, and biases that start the gates carrying.
INITS = {"SimpleRNN": ("default",), "GRU": ("default", "chrono"), "LSTM": ("default", "chrono")}
LAGS = (10, 30, 60, 100, 200, 300, 500)
SEEDS = (0, 1, 2)
GRADIENT_LAG = 300  # the gradient profiles are measured on sentences of this lag
SHORT = dict(lags=(20,), seeds=(0,), n_train=256, epochs=1, gradient_lag=20, n_sentences=8)


def configurations():
    """Every (cell, init) pair the sweep runs, in the order the pages list them."""
    return [(layer, init) for layer, inits in INITS.items() for init in inits]


def recurrent_layer(layer, n_a=None):
    """The Keras layer of the sweep. The GRU uses ``reset_after=False``: the course's equations (chapter 7)."""
    import keras

    n_a = n_a or UNITS[layer]
    options = {"reset_after": False} if layer == "GRU" else {}
    return getattr(keras.layers, layer)(n_a, **options)


def carry_biases(layer, bias, n_a, T_x, rng):
    """Chrono initialization: gate biases that make each unit keep its state for up to ``T_x`` steps.

    A unit that keeps a fraction ``f`` of its state per step forgets on a time
    scale of about ``1 / (1 - f)`` steps. With the keeping gate's bias
    ``b = log(u)``, ``u`` uniform in ``[1, T_x - 1]``, ``f = sigmoid(b) = u / (1 + u)``,
    so the time scales spread from 2 steps to the whole sequence. LSTM: the
    forget gate gets ``b`` and the update (input) gate ``-b``. GRU: Keras' ``z``
    multiplies the old state (``z = 1 - Gamma_u``), so it gets ``b``, and
    ``Gamma_u`` starts near ``1 / (1 + u)``. Returns a new bias vector.
    """
    b = np.log(rng.uniform(1.0, max(T_x - 1, 2), size=n_a))
    bias = np.array(bias, dtype=float)
    if layer == "LSTM":  # Keras' blocks: i (update), f, c, o
        bias[:n_a], bias[n_a:2 * n_a] = -b, b
    elif layer == "GRU":  # Keras' blocks: z, r, h
        bias[:n_a] = b
    else:
        raise ValueError(f"{layer} has no gates to initialize")
    return bias


def agreement_model(layer="SimpleRNN", n_a=None, embedding_dim=8, init="default", T_x=None, seed=0):
    """Embedding -> recurrent layer (last state only) -> Dense(1, sigmoid): P(the verb is "were").

    The input length is left open (``None``), so one model reads sentences of
    any lag; ``T_x`` is needed for ``init="chrono"`` only (the longest time
    scale of the gates).
    """
    import keras

    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(len(AGREEMENT_VOCABULARY), embedding_dim),
        recurrent_layer(layer, n_a),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    if init == "chrono":
        recurrent = model.layers[1]
        kernel, recurrent_kernel, bias = recurrent.get_weights()
        bias = carry_biases(layer, bias, recurrent.units, T_x, np.random.default_rng(seed))
        recurrent.set_weights([kernel, recurrent_kernel, bias])
    elif init != "default":
        raise ValueError(f"init must be 'default' or 'chrono', got {init!r}")
    return model


def baseline_accuracy(y):
    """Accuracy of always answering the most frequent label of ``y``: the trivial baseline."""
    share = float(np.mean(y))
    return max(share, 1 - share)


def beats_baseline(accuracy, baseline):
    return accuracy > baseline + MARGIN


def agreement_data(lag, seed, n_train):
    """Training and test sentences for one run, from different seeds: no sentence is graded twice."""
    return (agreement_task(n_train, lag, seed=10_000 * seed + 2 * lag),
            agreement_task(N_TEST, lag, seed=10_000 * seed + 2 * lag + 1))


def train_on_lag(lag, layer="SimpleRNN", seed=0, init="default", n_a=None, embedding_dim=8, n_train=4000,
                 epochs=10, batch_size=64, learning_rate=1e-2, max_norm=1.0, stop_at=0.99, return_model=False,
                 profile_sentences=0):
    """Train a fresh model on sentences with ``lag`` words between noun and verb; test it on new ones.

    Adam with the gradients clipped to a global norm of ``max_norm``. Returns a
    dict of plain numbers: the held-out accuracy, the baseline's, the epochs
    run, the training loss and accuracy of the last epoch, and the seconds the
    training took (and the model, with ``return_model``).
    """
    import keras

    keras.utils.set_random_seed(seed)
    (X_train, y_train), (X_test, y_test) = agreement_data(lag, seed, n_train)
    model = agreement_model(layer, n_a, embedding_dim, init, T_x=lag + 2, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=max_norm),
                  loss="binary_crossentropy", metrics=["accuracy"])

    class StopWhenLearned(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = logs["accuracy"] >= stop_at

    start = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0,
                        callbacks=[StopWhenLearned()])
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(X_test, y_test, verbose=0, batch_size=500)
    run = {
        "cell": layer, "init": init, "lag": int(lag), "seed": int(seed), "n_a": model.layers[1].units,
        "params": model.layers[1].count_params(), "test_accuracy": float(accuracy),
        "baseline": baseline_accuracy(y_test), "epochs": len(history.history["loss"]),
        "train_loss": float(history.history["loss"][-1]),
        "train_accuracy": float(history.history["accuracy"][-1]), "seconds": round(seconds, 1),
    }
    if profile_sentences:
        run["gradient_after"] = gradient_norms(model, X_test[:profile_sentences], seed)
    return (run, model) if return_model else run


def learned(run):
    """Whether a run's held-out accuracy beats its baseline by more than MARGIN."""
    return beats_baseline(run["test_accuracy"], run["baseline"])


def first_failing_lag(runs):
    """The smallest lag at which some run does not beat the baseline (None if every run does).

    Below it every seed learns the task; from it on, whether a run learns is a matter of luck.
    """
    failing = [run["lag"] for run in runs if not learned(run)]
    return min(failing) if failing else None


def select(runs, **where):
    """The runs whose fields have the given values, e.g. ``select(runs, cell="GRU", init="chrono")``."""
    return [run for run in runs if all(run[key] == value for key, value in where.items())]


def accuracies(runs):
    """The held-out accuracies of ``runs`` as the pages print them, e.g. ``"1.00 0.51 1.00"``."""
    return " ".join(f"{run['test_accuracy']:.2f}" for run in runs)


def gradient_norms(model, tokens, seed=0):
    """How much the last state of ``model``'s recurrent layer depends on each word: one number per distance k.

    ``g[k]`` is the root mean square, over the sentences ``tokens`` (m, T_x), of
    the Frobenius norm of the Jacobian d a<T_x> / d x<T_x - k> (x is the
    embedded word). Estimated with one backward pass: for ``v`` a standard normal
    vector, the expected squared norm of ``v^T J`` is the squared Frobenius norm of
    ``J``, and each sentence gets its own ``v``. The gradient that trains the
    network to use the noun is carried back by exactly these Jacobians.
    """
    import tensorflow as tf

    embedding, recurrent = model.layers[0], model.layers[1]
    # A float64 twin of the layer: a gradient that fades like 0.5^k is below float32's range after ~150 steps.
    twin = type(recurrent).from_config({**recurrent.get_config(), "dtype": "float64"})
    twin.build((None, None, embedding.output_dim))
    twin.set_weights(recurrent.get_weights())
    x = tf.constant(np.asarray(embedding(tokens), dtype=np.float64))  # (m, T_x, e): the embedded sentences
    v = tf.constant(np.random.default_rng(seed).standard_normal((len(tokens), recurrent.units)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        projected = tf.reduce_sum(v * twin(x))
    gradient = tape.gradient(projected, x).numpy()  # (m, T_x, e)
    per_step = np.sqrt(np.mean(np.sum(gradient ** 2, axis=2), axis=0))  # (T_x,), over sentences
    return [float(f"{g:.4g}") for g in per_step[::-1]]  # index k = distance from the last word


def gradient_profile(layer, init, lag, seed, n_sentences=100, embedding_dim=8):
    """``gradient_norms`` of a fresh model (its starting weights) on ``n_sentences`` sentences of ``lag`` words."""
    import keras

    keras.utils.set_random_seed(seed)
    model = agreement_model(layer, embedding_dim=embedding_dim, init=init, T_x=lag + 2, seed=seed)
    tokens, _ = agreement_task(n_sentences, lag, seed=seed)
    return gradient_norms(model, tokens, seed)


def gate_trace(model, tokens):
    """Gates and memory of a trained agreement model's recurrent layer at every step, in the course's notation.

    The Keras weights are read back with ``Cell.course_parameters`` and the
    sentences ``tokens`` (m, T_x) run through the course's NumPy cell, which
    computes exactly what the Keras layer does (for the GRU, with
    ``reset_after=False``). Returns ``(gates, memory)``: ``gates`` maps each gate
    name (``Gamma_u``...) to an array (T_x, n_a, m), ``memory`` is the memory cell
    c<t> (T_x, n_a, m) (for the GRU, c<t> = a<t>).
    """
    from rnncourse.cells import CELLS

    embedding, recurrent = model.layers[0], model.layers[1]
    cell = CELLS[type(recurrent).__name__]
    parameters = cell.course_parameters(recurrent.get_weights())
    x = embedding.get_weights()[0][tokens].transpose(2, 0, 1)  # (n_x, m, T_x): the embedded words
    state = cell.initial_state(np.zeros((recurrent.units, x.shape[1])))
    gates, memory = [], []
    for t in range(x.shape[2]):
        state, gates_t = cell.step_with_gates(x[:, :, t], state, parameters)
        gates.append(gates_t)
        memory.append(state[-1])
    return {name: np.array([g[name] for g in gates]) for name in gates[0]}, np.array(memory)


def separation(values, y):
    """How well ``values`` (..., m) tell the two labels apart: |difference of the means| / pooled std."""
    a, b = values[..., y == 0], values[..., y == 1]
    return np.abs(a.mean(-1) - b.mean(-1)) / np.sqrt((a.var(-1) + b.var(-1)) / 2 + 1e-12)


def carrier_unit(memory, y, noun_step=1):
    """The unit that carries the noun's number best: the largest *smallest* separation over the steps
    from the noun (``noun_step``, counted from 0) to the last one.

    A unit that tells singular from plural only at the end, or only at the noun,
    scores low: the rule picks the unit that holds the difference all the way.
    """
    return int(np.argmax(separation(memory[noun_step:], y).min(axis=0)))


def _quiet_worker():
    """A sweep worker: one thread for TensorFlow (the runs are small; the cores go to parallel runs)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def _run(job):
    return train_on_lag(**job)


def sweep(short=False, parts=("runs", "gradients"), workers=None):
    """Chapters 6-8: every configuration at every lag and seed, and the gradient profiles at initialization.

    The runs go to ``workers`` processes (default: one per core), longest lags
    first; each run is seeded on its own, so the order does not change a result.
    """
    from rnncourse.experiments import environment

    started = time.perf_counter()
    grid = SHORT if short else dict(lags=LAGS, seeds=SEEDS, n_train=SETTINGS["n_train"],
                                    epochs=SETTINGS["epochs"], gradient_lag=GRADIENT_LAG, n_sentences=100)
    settings = {**SETTINGS, "n_train": grid["n_train"], "epochs": grid["epochs"]}
    results = {"command": "python -m rnncourse.experiments long_range" + (" --short" if short else ""),
               "short": short, "environment": environment(), "settings": settings, "units": UNITS,
               "inits": INITS, "n_test": N_TEST, "margin": MARGIN, "lags": list(grid["lags"]),
               "seeds": list(grid["seeds"])}
    if "runs" in parts:
        # At the gradient lag every run also measures its gradients once trained.
        jobs = [dict(lag=lag, layer=layer, seed=seed, init=init, **settings,
                     profile_sentences=grid["n_sentences"] if lag == grid["gradient_lag"] else 0)
                for lag in sorted(grid["lags"], reverse=True) for layer, init in configurations()
                for seed in grid["seeds"]]
        # Spawned, not forked: a process that has already started TensorFlow's threads cannot be forked safely.
        with ProcessPoolExecutor(workers or os.cpu_count(), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_quiet_worker) as pool:
            runs = []
            for run in pool.map(_run, jobs):
                runs.append(run)
                print(f"{run['cell']:9s} {run['init']:7s} lag {run['lag']:3d} seed {run['seed']}: "
                      f"{run['test_accuracy']:.3f} after {run['epochs']} epochs, {run['seconds']:.0f} s", flush=True)
        results["runs"] = sorted(runs, key=lambda run: (run["cell"], run["init"], run["lag"], run["seed"]))
    if "gradients" in parts:
        results["gradients"] = {"lag": grid["gradient_lag"], "n_sentences": grid["n_sentences"], "profiles": [
            {"cell": layer, "init": init, "seed": seed,
             "norms": gradient_profile(layer, init, grid["gradient_lag"], seed, grid["n_sentences"])}
            for layer, init in configurations() for seed in grid["seeds"]]}
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def load_results(path=None):
    """The stored sweep (``book/results/long_range.json``), with a clear message when it is missing."""
    import json

    from rnncourse.experiments import RESULTS

    path = path or RESULTS / "long_range.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `python -m rnncourse.experiments long_range` first.")
    return json.loads(path.read_text())
