"""glassnet.metrics against scikit-learn on random data, and streaming == one-shot."""

import numpy as np
import pytest
from sklearn import metrics as skm

import glassnet
from glassnet import metrics

AVERAGES = ["macro", "micro", "weighted", None]


def random_labels(seed, n=200, classes=5, drop_pred=None):
    """Random true/predicted labels; ``drop_pred`` is a class never predicted (0/0 precision)."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, classes, n)
    p = np.where(rng.random(n) < 0.4, t, rng.integers(0, classes, n))
    if drop_pred is not None:
        p[p == drop_pred] = (drop_pred + 1) % classes
    return t, p


def sk_prf(t, p, **kw):
    return (skm.precision_score(t, p, zero_division=0, **kw), skm.recall_score(t, p, zero_division=0, **kw),
            skm.f1_score(t, p, zero_division=0, **kw))


def ours_prf(t, p, **kw):
    return metrics.precision(t, p, **kw), metrics.recall(t, p, **kw), metrics.f1_score(t, p, **kw)


# ------------------------------------------------------------ one-shot
@pytest.mark.parametrize("seed", range(4))
def test_accuracy_and_confusion_matrix(seed):
    t, p = random_labels(seed)
    assert metrics.accuracy(t, p) == pytest.approx(skm.accuracy_score(t, p))
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p), skm.confusion_matrix(t, p))
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p, num_classes=7),
                                  skm.confusion_matrix(t, p, labels=range(7)))
    scores = np.random.default_rng(seed).normal(size=(len(t), 5))
    assert metrics.accuracy(t, scores) == pytest.approx(skm.accuracy_score(t, scores.argmax(1)))
    one_hot = np.eye(5)[t]
    assert metrics.accuracy(one_hot, scores) == metrics.accuracy(t, scores)


def test_binary_from_probabilities_and_logits():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 300)
    logits = rng.normal(size=300) + t
    prob = 1 / (1 + np.exp(-logits))
    labels = (prob > 0.5).astype(int)
    assert metrics.accuracy(t, prob) == pytest.approx(skm.accuracy_score(t, labels))
    assert metrics.accuracy(t, prob[:, None]) == metrics.accuracy(t, prob)
    assert metrics.accuracy(t, logits, from_logits=True) == metrics.accuracy(t, prob)
    assert metrics.accuracy(t, prob, threshold=0.7) == pytest.approx(skm.accuracy_score(t, prob > 0.7))
    at_07 = metrics.accuracy(t, prob, threshold=0.7)
    assert metrics.accuracy(t, logits, from_logits=True, threshold=0.7) == at_07
    assert metrics.f1_score(t, prob) == pytest.approx(skm.f1_score(t, labels))
    assert metrics.accuracy(t.astype(np.float32), t.astype(np.float64)) == 1.0
    with pytest.raises(ValueError, match="from_logits=True"):
        metrics.accuracy(t, logits)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("pos_label", [0, 1])
def test_binary_precision_recall_f1(seed, pos_label):
    rng = np.random.default_rng(seed)
    t, p = rng.integers(0, 2, 80), rng.integers(0, 2, 80)
    np.testing.assert_allclose(ours_prf(t, p, pos_label=pos_label), sk_prf(t, p, pos_label=pos_label))


def test_binary_zero_division_and_errors():
    t, p = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])
    np.testing.assert_allclose(ours_prf(t, p), sk_prf(t, p))  # never predicts 1: precision 0/0
    np.testing.assert_allclose(ours_prf(t, p, zero_division=1.0),
                               [skm.precision_score(t, p, zero_division=1.0), 0.0, 0.0])
    with pytest.raises(ValueError, match="average='binary' needs two classes.*macro"):
        metrics.precision([0, 1, 2], [0, 1, 1])
    with pytest.raises(ValueError, match="pos_label=1 is not a valid label"):
        metrics.recall([0, 2, 2], [0, 2, 0])
    with pytest.raises(ValueError, match="3 samples but y_pred has 2"):
        metrics.accuracy([0, 1, 1], [0, 1])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("case", ["plain", "never_predicted", "absent_class", "labels"])
def test_multiclass_averages(seed, average, case):
    t, p = random_labels(seed, drop_pred=2 if case == "never_predicted" else None)
    kw = {"average": average}
    if case == "absent_class":  # class 3 occurs nowhere: it must not drag the averages down
        t, p = np.where(t == 3, 4, t), np.where(p == 3, 0, p)
    if case == "labels":
        kw["labels"] = [0, 2, 4, 6]  # a subset plus a class that never occurs
    np.testing.assert_allclose(ours_prf(t, p, **kw), sk_prf(t, p, **kw), atol=1e-12)
    ours = metrics.precision_recall_f1(t, p, **kw)
    theirs = skm.precision_recall_fscore_support(t, p, zero_division=0, **kw)
    if average is None:
        np.testing.assert_array_equal(ours[3], theirs[3])


@pytest.mark.parametrize("seed", range(3))
def test_classification_report_text_matches_sklearn(seed):
    t, p = random_labels(seed, n=300, classes=4, drop_pred=1)
    assert metrics.classification_report(t, p) == skm.classification_report(t, p, zero_division=0)
    names = ["cat", "dog", "very long class name", "bird"]
    assert metrics.classification_report(t, p, target_names=names, digits=4) == skm.classification_report(
        t, p, target_names=names, digits=4, zero_division=0)
    # Reporting only some classes: the pooled row is a micro average, not accuracy.
    assert metrics.classification_report(t, p, labels=[0, 2]) == skm.classification_report(
        t, p, labels=[0, 2], zero_division=0)
    ours = metrics.classification_report(t, p, output_dict=True)
    theirs = skm.classification_report(t, p, output_dict=True, zero_division=0)
    assert ours.keys() == theirs.keys() and ours["accuracy"] == pytest.approx(theirs["accuracy"])
    for key in ("0", "macro avg", "weighted avg"):
        assert ours[key] == pytest.approx(theirs[key])


def test_tensors_and_shapes_are_accepted():
    t = glassnet.tensor([0, 2, 1, 2])
    scores = glassnet.tensor([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.2, 0.7, 0.1], [0.5, 0.2, 0.3]],
                             requires_grad=True)
    assert metrics.accuracy(t, scores) == 0.75
    np.testing.assert_array_equal(metrics.confusion_matrix(t, scores), [[1, 0, 0], [0, 1, 0], [1, 0, 1]])
    y = glassnet.tensor([1.0, 2.0, 3.0])
    assert metrics.mean_squared_error(y, glassnet.tensor([[1.0], [2.0], [5.0]])) == pytest.approx(4 / 3)
    with pytest.raises(ValueError, match=r"shape \(3,\) but y_pred has shape \(2,\)"):
        metrics.mean_absolute_error([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="integers in 0..1"):
        metrics.confusion_matrix([0, 1, 2], [0, 1, 1], num_classes=2)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("outputs", [None, 1, 3])
def test_regression_against_sklearn(seed, outputs):
    rng = np.random.default_rng(seed)
    shape = (60,) if outputs is None else (60, outputs)
    t = rng.normal(size=shape) * 3
    p = t + rng.normal(size=shape)
    pairs = [(metrics.mean_absolute_error, skm.mean_absolute_error),
             (metrics.mean_squared_error, skm.mean_squared_error), (metrics.r2_score, skm.r2_score)]
    for ours, theirs in pairs:
        assert ours(t, p) == pytest.approx(theirs(t, p), rel=1e-12)
        np.testing.assert_allclose(ours(t, p, multioutput="raw_values"),
                                   theirs(t, p, multioutput="raw_values"), rtol=1e-12)


def test_r2_constant_target():
    constant = [2.0, 2.0, 2.0]
    assert metrics.r2_score(constant, constant) == skm.r2_score(constant, constant) == 1.0
    assert metrics.r2_score(constant, [1.0, 2.0, 2.0]) == skm.r2_score(constant, [1.0, 2.0, 2.0]) == 0.0
    assert metrics.r2_score([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(-3.0)


# ------------------------------------------------------------ streaming
def batches(seed, *arrays):
    """The arrays cut into random, uneven batches (one may be empty)."""
    rng = np.random.default_rng(seed)
    n = len(arrays[0])
    cuts = np.sort(rng.integers(0, n + 1, 5))
    for start, stop in zip(np.r_[0, cuts], np.r_[cuts, n]):
        yield tuple(a[start:stop] for a in arrays)


@pytest.mark.parametrize("seed", range(5))
def test_streaming_classification_equals_one_shot(seed):
    t, p = random_labels(seed, drop_pred=1)
    scores = np.eye(5)[p] + 0.01  # argmax gives p back
    cases = [(metrics.Accuracy(), metrics.accuracy)]
    for average in AVERAGES:
        for cls, fn in [(metrics.Precision, metrics.precision), (metrics.Recall, metrics.recall),
                        (metrics.F1Score, metrics.f1_score)]:
            cases.append((cls(average=average), lambda a, b, fn=fn, avg=average: fn(a, b, average=avg)))
    for metric, one_shot in cases:
        for bt, bs in batches(seed, t, scores):
            metric.update(bt, bs)
        np.testing.assert_allclose(metric.result(), one_shot(t, p))
        metric.reset()
        metric.update(t[:10], p[:10])
        np.testing.assert_allclose(metric.result(), one_shot(t[:10], p[:10]))
    matrix = metrics.ConfusionMatrix()
    for bt, bp in batches(seed, t, p):
        matrix.update_state(bt, bp)
    np.testing.assert_array_equal(matrix.result(), skm.confusion_matrix(t, p))


@pytest.mark.parametrize("seed", range(5))
def test_streaming_binary_probabilities(seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, 150)
    logits = rng.normal(size=(150, 1)) + t[:, None]
    for cls, fn in [(metrics.Precision, skm.precision_score), (metrics.Recall, skm.recall_score),
                    (metrics.F1Score, skm.f1_score), (metrics.Accuracy, skm.accuracy_score)]:
        metric = cls(from_logits=True)
        for bt, bl in batches(seed, t, logits):
            metric.update(bt, glassnet.tensor(bl))
        assert metric.result() == pytest.approx(fn(t, (logits[:, 0] > 0).astype(int)))


@pytest.mark.parametrize("seed", range(5))
def test_streaming_regression_and_mean(seed):
    rng = np.random.default_rng(seed)
    t = rng.normal(size=(90, 2))
    p = t + rng.normal(size=(90, 2))
    mae, mse, mean = metrics.MeanAbsoluteError(), metrics.MeanSquaredError(), metrics.Mean()
    for bt, bp in batches(seed, t, p):
        mae.update(bt, bp)
        mse.update(bt, bp)
        if len(bt):  # a batch-mean loss weighted by batch size averages per sample
            mean.update(((bt - bp) ** 2).mean(), sample_weight=len(bt))
    assert mae.result() == pytest.approx(skm.mean_absolute_error(t, p))
    assert mse.result() == pytest.approx(skm.mean_squared_error(t, p))
    assert mean.result() == pytest.approx(mse.result())
    mean.reset()
    assert mean.result() == 0.0
    mean.update([1.0, 2.0, 6.0])
    assert mean(glassnet.tensor(3.0)) == 3.0


def test_names_and_get():
    expected = {"accuracy": metrics.Accuracy, "precision": metrics.Precision, "recall": metrics.Recall,
                "f1_score": metrics.F1Score, "mae": metrics.MeanAbsoluteError,
                "mse": metrics.MeanSquaredError}
    for name, cls in expected.items():
        assert cls().name == name and isinstance(metrics.get(name), cls)
    assert metrics.Mean(name="loss").name == "loss" and metrics.get("acc").name == "accuracy"
    metric = metrics.Precision()
    assert metrics.get(metric) is metric and isinstance(metrics.get(metrics.Recall), metrics.Recall)
    with pytest.raises(ValueError, match="Unknown metric 'bogus'.*accuracy"):
        metrics.get("bogus")


def test_auc_streams_to_the_exact_area_with_ties_and_matches_scikit_learn():
    from glassnet.metrics import AUC

    roc_auc_score = skm.roc_auc_score
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    scores = np.round(labels * 0.3 + rng.random(500), 1)  # rounded: many ties
    auc = AUC()
    for start in range(0, 500, 64):  # batch by batch, as fit feeds it
        auc.update(labels[start:start + 64], scores[start:start + 64].reshape(-1, 1))
    assert auc.result() == pytest.approx(roc_auc_score(labels, scores), rel=1e-12)
    assert AUC()([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2]) == 1.0
    assert AUC()([1, 1], [0.2, 0.3]) == 0.0  # one class only: no area
    with pytest.raises(ValueError, match="one score per label"):
        AUC().update([0, 1], [[0.1, 0.9], [0.8, 0.2]])
