"""The command behind the long training runs of the book works, in its short mode (rnncourse/experiments.py)."""

import json
import math

import numpy as np
import pytest

from rnncourse import experiments
from rnncourse.cells import GRU, LSTM
from rnncourse.imdb import imdb_model, imdb_parameter_counts

# The short modes train (seconds to minutes): slow. The checks of committed results and of the batching take
# milliseconds once TensorFlow is imported, which the fast tier does anyway: fast.


@pytest.mark.slow
def test_gated_experiment_short_mode_writes_its_results(tmp_path):
    out = experiments.main(["gated", "--short", "--out", str(tmp_path / "gated.json")])
    results = json.loads(out.read_text())
    assert results["short"] and results["command"].endswith("--short")
    assert {"tensorflow", "keras", "cpu_count", "date", "commit"} <= set(results["environment"])
    # IMDB is the comparison's (one protocol): the gated command no longer trains it.
    assert "imdb" not in results
    sunspots = results["sunspots"]
    assert abs(sunspots["naive_mae"] - 16.14) < 0.01
    assert sunspots["validation_mae"] > 0


def test_the_committed_results_are_a_full_run():
    results = json.loads((experiments.RESULTS / "gated.json").read_text())
    assert not results["short"]
    assert results["sunspots"]["epochs"] == experiments.SUNSPOT_EPOCHS and "imdb" not in results


@pytest.mark.slow
def test_sunspots_experiment_short_mode_counts_the_syllabus_models(tmp_path):
    out = experiments.main(["sunspots", "--short", "--out", str(tmp_path / "sunspots.json")])
    results = json.loads(out.read_text())
    assert results["short"] and abs(results["naive_mae"] - 16.14) < 0.01
    # Bidirectional(LSTM(32)) on one feature, then on the 64 numbers per step of the layer below; Dense(1) on 64.
    first, above = 2 * LSTM.count_params(1, 32), 2 * LSTM.count_params(64, 32)
    assert first == 8_704 and above == 24_832
    counts = {(run["layers"], run["recipe"].split(":")[0]): run["params"] for run in results["variants"]}
    assert counts[1, "syllabus"] == first + 65
    assert counts[2, "syllabus"] == first + above + 65 == 33_601  # the syllabus' BiLSTM(32) x 2
    assert counts[3, "syllabus"] == first + 2 * above + 65
    for run in results["variants"]:
        assert run["epochs"] == 1 and run["validation_mae"] > 0
    # Chapter 4's forecaster, counted from chapter 4's formula: two SimpleRNN(40) and Dense(1).
    assert results["simple_rnn"]["params"] == 40 * 42 + 40 * 81 + 41 == 4_961
    assert results["simple_rnn"]["epochs"] == 1 and results["simple_rnn"]["validation_mae"] > 0


@pytest.mark.slow
def test_comparison_short_mode_builds_every_model_with_its_count(tmp_path):
    out = experiments.main(["comparison", "--short", "--out", str(tmp_path / "comparison.json")])
    results = json.loads(out.read_text())
    assert results["short"] and results["command"].endswith("--short")
    runs = {}
    for part in experiments.COMPARISON_DEFAULT_PARTS:
        assert results[part]["short"] and {"tensorflow", "cpu_count", "date"} <= set(results[part]["environment"])
        runs.update(results[part]["models"])
    assert set(runs) == set(experiments.COMPARISON_MODELS)
    # The syllabus' numbers (the command asserts them too), and the others from the formulas of rnncourse/cells.py.
    assert {name: run["params"] for name, run in runs.items() if name in experiments.SYLLABUS_PARAMS} == {
        "flatten": 171_533, "conv_average": 171_149, "conv_max_1000": 29_489,
        "subword_1_layer": 598_209, "subword_2_layers": 635_329}
    # The course's own IMDB model, counted where it is built (rnncourse/imdb.py).
    assert runs["bilstm"]["params"] == sum(imdb_parameter_counts("LSTM"))
    assert runs["bigru"]["params"] == sum(imdb_parameter_counts("GRU"))
    assert runs["lstm"]["params"] == 160_000 + LSTM.count_params(16, 32) + 32 * 6 + 6 + 7
    # Dense(1) reads the mean and the max of both directions' 64 states.
    assert runs["best"]["params"] == 20_000 * 128 + 2 * GRU.count_params(128, 64, bias_vectors=2) + 4 * 64 + 1
    for name, run in runs.items():
        assert run["epochs_run"] == len(run["seconds_per_epoch"]) == 1, name
        numbers = [run["test_accuracy"], run["test_loss"], run["median_seconds_per_epoch"], *run["seconds_per_epoch"]]
        numbers += [value for values in run["history"].values() for value in values]
        assert all(math.isfinite(number) for number in numbers), name
        assert 0 <= run["test_accuracy"] <= 1 and run["test_reviews"] == 320 and run["train_reviews"] == 256, name


@pytest.mark.parametrize("cell_name", ["SimpleRNN", "GRU", "LSTM"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum"])
def test_imdb_model_is_counted_by_the_cells_formulas(cell_name, merge_mode):
    model = imdb_model(cell_name, merge_mode)
    assert [layer.count_params() for layer in model.layers] == imdb_parameter_counts(cell_name, merge_mode)
    assert [type(layer).__name__ for layer in model.layers] == ["Embedding", "Bidirectional", "Dense", "Dense"]
    assert model.input_shape == (None, experiments.MAX_LENGTH) and model.output_shape == (None, 1)
    assert model.layers[1].forward_layer.units == experiments.N_UNITS


def test_length_batches_hold_every_review_once_and_cut_only_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 40, size=300)
    x = np.zeros((300, 40), dtype="int64")
    for row, length in zip(x, lengths):
        row[40 - length:] = rng.integers(1, 50, size=length)  # padded in front, as the comparison pads
    y = np.arange(300) % 2
    for shuffle in (False, True):
        batches = experiments.length_batches(x, y, batch_size=32, shuffle=shuffle)
        seen = []
        for i in range(len(batches)):
            x_batch, y_batch = batches[i]
            rows = batches.batches[i]
            assert x_batch.shape[1] == lengths[rows].max() and (y_batch == y[rows]).all()
            assert (x_batch == x[rows][:, -x_batch.shape[1]:]).all() and (x[rows][:, :-x_batch.shape[1]] == 0).all()
            seen.extend(rows)
        assert sorted(seen) == list(range(300))
        widths = [batches[i][0].shape[1] for i in range(len(batches))]
        assert (widths == sorted(widths)) != shuffle  # in order of length, or in a shuffled order


@pytest.mark.slow
def test_the_best_model_gives_a_review_the_same_score_whatever_its_padding():
    # It learns from batches of similar lengths, so the padding must not change what it computes. A review of two
    # words: with Keras' GlobalMaxPooling1D, which ignores the mask, the scores differ (0.4924 unpadded, 0.4930).
    import keras

    keras.utils.set_random_seed(0)
    model = experiments.best_model()
    review = np.random.default_rng(1).integers(1, experiments.BEST_VOCAB_SIZE, size=(1, 2))
    scores = [float(model(np.pad(review, ((0, 0), (pad, 0))))[0, 0]) for pad in (0, 5, 30)]
    assert np.allclose(scores, scores[0], atol=1e-6), scores
    assert model.count_params() == experiments.expected_params("best")


@pytest.mark.slow
def test_comparison_only_starts_a_file_then_keeps_its_other_parts(tmp_path, monkeypatch):
    # A made-up handful of reviews: this checks how parts are written, not what the models learn.
    words = ["good", "great", "fine", "bad", "awful", "dull", "plot", "film"]
    rng = np.random.default_rng(0)
    fake = [" ".join(rng.choice(words, 30)) for _ in range(96)]
    labels = np.arange(96) % 2
    monkeypatch.setattr(experiments, "imdb_texts", lambda n_train=None: ((fake, labels), (fake[:32], labels[:32])))
    # The two quickest models stand in for the parts' own.
    monkeypatch.setattr(experiments, "COMPARISON_PARTS", {"best": ("flatten",), "subword": ("conv_max_1000",)})
    out = tmp_path / "comparison.json"
    experiments.main(["comparison", "--short", "--only", "best", "--out", str(out)])
    experiments.main(["comparison", "--short", "--only", "subword", "--out", str(out)])
    results = json.loads(out.read_text())
    assert set(results["best"]["models"]) == {"flatten"} and set(results["subword"]["models"]) == {"conv_max_1000"}
    assert results["subword"]["command"].endswith("--short --only subword") and "syllabus" not in results
    assert results["short"] and results["best"]["environment"]["date"]


def test_a_committed_comparison_is_a_full_run():
    results = experiments.load_comparison()
    if not results:
        pytest.skip("book/results/comparison.json is not committed yet; the pages of chapters 9-10 say so")
    # Parts are run one at a time (--only); the pages say which are missing. Those committed must be full runs.
    parts = [part for part in experiments.COMPARISON_PARTS if part in results]
    assert "syllabus" in parts
    for part in parts:
        assert not results[part]["short"], f"the committed {part} is a --short run"
        assert all(run["test_reviews"] == 25_000 for run in results[part]["models"].values())


@pytest.mark.slow
def test_long_range_short_mode_runs_every_cell_and_records_how(tmp_path):
    from rnncourse import long_range

    out = experiments.main(["long_range", "--short", "--out", str(tmp_path / "long_range.json")])
    results = json.loads(out.read_text())
    assert results["short"] and results["command"].endswith("--short")
    assert {"commit", "date", "tensorflow", "cpu_count", "load_average_at_start"} <= set(results["environment"])
    runs = results["runs"]
    assert {(run["cell"], run["init"]) for run in runs} == set(long_range.configurations())
    # About the same size: SimpleRNN(64), GRU(32) with the course's reset_after=False, LSTM(28) on 8 inputs.
    assert {run["cell"]: run["params"] for run in runs} == {"SimpleRNN": 4_672, "GRU": 3_936, "LSTM": 4_144}
    for run in runs:
        assert run["epochs"] == 1 and 0 <= run["test_accuracy"] <= 1
        assert len(run["gradient_after"]) == run["lag"] + 2 and all(map(math.isfinite, run["gradient_after"]))
    for profile in results["gradients"]["profiles"]:
        assert len(profile["norms"]) == results["gradients"]["lag"] + 2 and min(profile["norms"]) > 0
