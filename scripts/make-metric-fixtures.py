"""Writes test/fixtures/metrics/sklearn.json: metric cases with scikit-learn's answers.

Usage (from the repository root): python3 scripts/make-metric-fixtures.py

The tests (test/ml/metrics.test.ts) read the JSON and compare pipelab's metrics with
scikit-learn's outputs; they do not need Python. Run this again only to add cases or to
check another scikit-learn version (recorded at the top of the file). The cases are
deterministic: random ones come from numpy with a fixed seed.

Where pipelab deliberately differs from scikit-learn (see src/ml/metrics/), the cases
ask scikit-learn the question the way pipelab answers it: the positive class is always
passed explicitly, and zero_division=0 silences the warnings without changing a value.
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "metrics", "sklearn.json")
SEED = 20251123
rng = np.random.default_rng(SEED)


def plain(value):
    """numpy values to JSON-ready Python values."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"non-finite value {value} cannot go into JSON")
        return value
    if isinstance(value, np.str_):
        return str(value)
    return value


def default_positive(labels):
    """pipelab's default positive class (scikit-learn's rule for roc_curve), or None."""
    labels = list(labels)
    if all(isinstance(l, (bool, np.bool_)) for l in labels):
        return True
    if all(not isinstance(l, str) for l in labels):
        values = set(int(l) for l in labels)
        if values <= {0, 1} or values <= {-1, 1}:
            return 1
    return None


def unique(*columns):
    return sorted(set(v for column in columns for v in plain(column)))


# ---------------------------------------------------------------------------------------
# Classification from labels: accuracy, balanced accuracy, precision, recall, f1,
# confusion matrix.


def label_case(name, y_true, y_pred, positive=None, confusion_labels=None):
    y_true, y_pred = plain(y_true), plain(y_pred)
    present = unique(y_true, y_pred)
    expected = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "balancedAccuracy": metrics.balanced_accuracy_score(y_true, y_pred),
        "confusionMatrix": {"labels": present, "matrix": metrics.confusion_matrix(y_true, y_pred)},
    }
    for metric, fn in (("precision", metrics.precision_score), ("recall", metrics.recall_score), ("f1", metrics.f1_score)):
        scores = {}
        for average in ("macro", "weighted", "micro"):
            scores[average] = fn(y_true, y_pred, average=average, zero_division=0)
        pos = positive if positive is not None else default_positive(present)
        if len(present) <= 2 and pos is not None and pos in present:
            scores["binary"] = fn(y_true, y_pred, average="binary", pos_label=pos, zero_division=0)
        expected[metric] = scores
    case = {"name": name, "yTrue": y_true, "yPred": y_pred}
    if positive is not None:
        case["positive"] = positive
    if confusion_labels is not None:
        case["confusionLabels"] = confusion_labels
        expected["confusionMatrixWithLabels"] = {
            "labels": confusion_labels,
            "matrix": metrics.confusion_matrix(y_true, y_pred, labels=confusion_labels),
        }
    case["expected"] = expected
    return plain_dict(case)


def plain_dict(value):
    if isinstance(value, dict):
        return {k: plain_dict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_dict(v) for v in value]
    return plain(value)


# ---------------------------------------------------------------------------------------
# Ranking from one score per sample: roc curve, roc auc, precision-recall curve, average
# precision.


def score_case(name, y_true, scores, positive=None):
    y_true, scores = plain(y_true), plain(scores)
    labels = unique(y_true)
    pos = positive if positive is not None else default_positive(labels)
    assert pos is not None and pos in labels, f"{name}: no positive class"
    is_positive = np.array([v == pos for v in y_true])
    fpr, tpr, thresholds = metrics.roc_curve(y_true, scores, pos_label=pos)
    precision, recall, pr_thresholds = metrics.precision_recall_curve(y_true, scores, pos_label=pos)
    # rocAuc scores the greater label unless told: give it the positive explicitly when it is not.
    auc_positive = positive if positive is not None else labels[-1]
    case = {"name": name, "yTrue": y_true, "scores": scores}
    if positive is not None:
        case["positive"] = positive
    case["expected"] = {
        "rocCurve": {"fpr": fpr, "tpr": tpr, "thresholds": thresholds},
        "precisionRecallCurve": {"precision": precision, "recall": recall, "thresholds": pr_thresholds},
        "averagePrecision": metrics.average_precision_score(is_positive, scores),
        "rocAuc": metrics.roc_auc_score(np.array([v == auc_positive for v in y_true]), scores),
    }
    return plain_dict(case)


# ---------------------------------------------------------------------------------------
# Probabilities: log loss (with its clipping) and multiclass one-vs-rest roc auc.


def probability_case(name, y_true, probabilities, labels=None, eps=None, float32=False):
    y_true = plain(y_true)
    dtype = np.float32 if float32 else np.float64
    probabilities = np.asarray(probabilities, dtype=dtype)
    kwargs = {}
    if labels is not None:
        kwargs["labels"] = labels
    if eps is not None:
        kwargs["eps"] = eps
    expected = {"logLoss": metrics.log_loss(y_true, probabilities, **kwargs)}
    classes = unique(y_true)
    if probabilities.ndim == 2 and probabilities.shape[1] > 2 and len(classes) == probabilities.shape[1]:
        expected["rocAuc"] = {
            average: metrics.roc_auc_score(y_true, probabilities, multi_class="ovr", average=average)
            for average in ("macro", "weighted", "micro")
        }
    elif len(classes) == 2 and (probabilities.ndim == 1 or probabilities.shape[1] == 2):
        column = probabilities if probabilities.ndim == 1 else probabilities[:, -1]
        expected["rocAuc"] = {"binary": metrics.roc_auc_score(y_true, column)}
    case = {"name": name, "yTrue": y_true, "probabilities": probabilities.astype(np.float64)}
    if labels is not None:
        case["labels"] = labels
    if eps is not None:
        case["eps"] = eps
    if float32:
        case["float32"] = True
    case["expected"] = expected
    return plain_dict(case)


# ---------------------------------------------------------------------------------------
# Regression.


def regression_case(name, y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    expected = {
        "meanAbsoluteError": metrics.mean_absolute_error(y_true, y_pred),
        "meanSquaredError": metrics.mean_squared_error(y_true, y_pred),
        "rootMeanSquaredError": metrics.mean_squared_error(y_true, y_pred, squared=False),
        "r2Score": metrics.r2_score(y_true, y_pred),
    }
    return plain_dict({"name": name, "yTrue": y_true, "yPred": y_pred, "expected": expected})


# ---------------------------------------------------------------------------------------
# Inputs scikit-learn refuses too: pipelab must throw a DataError for each.


def error_case(name, metric, args, options=None):
    call = {
        "accuracy": lambda a: metrics.accuracy_score(a[0], a[1]),
        "precision": lambda a: metrics.precision_score(a[0], a[1], **(options or {})),
        "rocAuc": lambda a: metrics.roc_auc_score(a[0], a[1]),
        "rocCurve": lambda a: metrics.roc_curve(a[0], a[1]),
        "logLoss": lambda a: metrics.log_loss(a[0], a[1]),
        "meanSquaredError": lambda a: metrics.mean_squared_error(a[0], a[1]),
    }[metric]
    try:
        call(args)
    except ValueError as error:
        message = str(error)
    else:
        raise AssertionError(f"{name}: scikit-learn accepted it")
    # JSON has no NaN: the tests put it back where the fixture says "NaN".
    args = [[("NaN" if isinstance(v, float) and v != v else v) for v in arg] for arg in args]
    case = {"name": name, "metric": metric, "args": plain_dict(args), "sklearnError": message}
    if options:
        case["options"] = options
    return case


def to_json(value, indent=""):
    """JSON with objects one key a line and lists of plain values on one line, for reading diffs."""
    if isinstance(value, dict):
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))


def rounded(values, digits=4):
    return np.round(np.asarray(values, dtype=np.float64), digits)


def softmax_rows(logits, digits=4):
    """Row probabilities rounded to `digits`, the last column taking up the rounding."""
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = np.round(exp / exp.sum(axis=1, keepdims=True), digits)
    p[:, -1] = 1 - p[:, :-1].sum(axis=1)
    return p


def main():
    warnings.simplefilter("ignore")
    label_cases, score_cases, probability_cases, regression_cases, error_cases = [], [], [], [], []

    # -- random binary problem: labels, scores and probabilities from one model --------
    y = rng.integers(0, 2, 200)
    p = rounded(np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, 200), 0, 1))
    label_cases.append(label_case("binary-noisy-200", y, (p >= 0.5).astype(int)))
    score_cases.append(score_case("binary-noisy-200", y, p))
    probability_cases.append(probability_case("binary-noisy-200", y, p))

    # -- imbalanced: 5% positives -------------------------------------------------------
    y = (rng.random(300) < 0.05).astype(int)
    s = rounded(rng.normal(0, 1, 300) + 1.5 * y, 3)
    label_cases.append(label_case("imbalanced-300", y, (s > 1.0).astype(int)))
    score_cases.append(score_case("imbalanced-300", y, s))
    probability_cases.append(probability_case("imbalanced-300", y, rounded(1 / (1 + np.exp(-s)))))

    # -- many ties: scores on a 0.1 grid -------------------------------------------------
    y = rng.integers(0, 2, 100)
    s = np.round(np.clip(0.35 + 0.3 * y + rng.normal(0, 0.25, 100), 0, 1), 1)
    score_cases.append(score_case("ties-on-a-grid-100", y, s))
    probability_cases.append(probability_case("ties-on-a-grid-100", y, s))

    # -- three classes with string labels -------------------------------------------------
    names = np.array(["setosa", "versicolor", "virginica"])
    k = rng.integers(0, 3, 150)
    logits = rng.normal(0, 1, (150, 3)) + 1.8 * np.eye(3)[k]
    proba = softmax_rows(logits)
    label_cases.append(label_case("three-strings-150", names[k], names[proba.argmax(axis=1)]))
    probability_cases.append(probability_case("three-strings-150", names[k], proba))
    score_cases.append(score_case("three-strings-150-versicolor-vs-rest", names[k], proba[:, 1], positive="versicolor"))

    # -- four classes, numeric labels that are not 0..3, imbalanced ------------------------
    classes = np.array([1, 2, 5, 9])
    k = rng.choice(4, 120, p=[0.5, 0.25, 0.15, 0.1])
    logits = rng.normal(0, 1, (120, 4)) + 1.2 * np.eye(4)[k]
    proba = softmax_rows(logits)
    label_cases.append(label_case("four-numeric-120", classes[k], classes[proba.argmax(axis=1)], confusion_labels=[9, 5, 2]))
    probability_cases.append(probability_case("four-numeric-120", classes[k], proba))
    probability_cases.append(probability_case("four-numeric-120-float32", classes[k], proba, float32=True))

    # -- hand-written label edge cases ----------------------------------------------------
    label_cases += [
        label_case("perfect-binary", [0, 1, 1, 0, 1], [0, 1, 1, 0, 1]),
        label_case("all-wrong-binary", [0, 1, 1, 0, 1], [1, 0, 0, 1, 0]),
        label_case("only-positives-in-yTrue", [1, 1, 1, 1], [1, 0, 1, 0]),
        label_case("only-negatives-in-yTrue", [0, 0, 0, 0, 0], [0, 1, 0, 0, 1]),
        label_case("one-label-everywhere", [1, 1, 1], [1, 1, 1]),
        label_case("strings-spam-ham", ["spam", "ham", "spam", "ham", "spam", "ham"], ["spam", "spam", "ham", "ham", "spam", "ham"], positive="spam"),
        label_case("booleans", [True, False, True, True, False], [True, True, False, True, False]),
        label_case("minus-one-one", [-1, 1, 1, -1, 1, -1], [-1, 1, -1, -1, 1, 1]),
        label_case("class-only-in-yPred", [0, 0, 1, 1, 2, 2], [0, 3, 1, 1, 2, 3]),
        label_case("class-never-predicted", ["a", "b", "c", "a", "b", "c"], ["a", "a", "b", "a", "b", "b"], confusion_labels=["c", "a"]),
        label_case("perfect-multiclass", [2, 0, 1, 2, 1], [2, 0, 1, 2, 1]),
        label_case("all-wrong-multiclass", [0, 1, 2, 0, 1, 2], [1, 2, 0, 2, 0, 1]),
        label_case("unicode-order", ["é", "z", "a", "\U0001F600", "\uFB01"], ["z", "é", "a", "\U0001F600", "z"]),
    ]

    # -- hand-written score edge cases ----------------------------------------------------
    score_cases += [
        score_case("all-scores-tied", [0, 1, 0, 1, 1], [0.5, 0.5, 0.5, 0.5, 0.5]),
        score_case("perfect-separation", [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.8, 0.9]),
        score_case("reversed", [0, 0, 0, 1, 1], [0.9, 0.8, 0.7, 0.2, 0.1]),
        score_case("ties-across-classes", [0, 1, 0, 1, 0, 1, 1, 0], [0.2, 0.2, 0.6, 0.6, 0.6, 0.9, 0.4, 0.1]),
        score_case("minus-one-one-decision-values", [-1, 1, -1, 1, 1, -1, 1], [-2.5, 1.2, 0.3, -0.4, 3.0, -1.1, 0.3]),
        score_case("strings-with-positive", ["no", "yes", "no", "yes", "yes"], [0.3, 0.7, 0.6, 0.65, 0.2], positive="yes"),
        score_case("strings-positive-is-the-smaller-label", ["cat", "dog", "cat", "dog", "cat"], [0.9, 0.2, 0.7, 0.4, 0.35], positive="cat"),
        score_case("booleans", [True, False, True, False, False, True], [3, 1, 2, 2, 0, 5]),
        score_case("one-positive", [0, 0, 0, 0, 1, 0], [0.1, 0.4, 0.2, 0.6, 0.5, 0.3]),
        score_case("multiclass-yTrue-with-positive", [0, 1, 2, 2, 1, 0, 2], [0.1, 0.3, 0.8, 0.6, 0.5, 0.2, 0.4], positive=2),
    ]

    # -- hand-written probability edge cases ----------------------------------------------
    probability_cases += [
        probability_case("confident-mistakes-are-clipped", [0, 1, 1, 0], [1.0, 0.0, 1.0, 0.0]),
        probability_case("confident-mistakes-with-eps", [0, 1, 1, 0], [1.0, 0.0, 1.0, 0.0], eps=1e-3),
        probability_case("confident-mistakes-float32", [0, 1, 1, 0], [1.0, 0.0, 0.999, 0.25], float32=True),
        probability_case("binary-two-columns-strings", ["ham", "spam", "spam", "ham"], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.35, 0.65]]),
        probability_case("labels-cover-a-class-absent-from-yTrue", [0, 2, 2], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]], labels=[0, 1, 2]),
        probability_case("one-label-in-yTrue-with-labels", [1, 1, 1], [0.9, 0.6, 0.99], labels=[0, 1]),
        probability_case("zero-probability-multiclass", ["a", "b", "c"], [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]]),
        probability_case(
            "rows-off-by-less-than-1e-6",
            [0, 1, 2, 1],
            [[0.6, 0.3, 0.1000005], [0.2, 0.5, 0.2999995], [0.1, 0.2, 0.7000004], [0.25, 0.5, 0.25]],
        ),
    ]

    # -- regression -----------------------------------------------------------------------
    x = rng.normal(0, 1, 100)
    y = rounded(3 * x + 2 + rng.normal(0, 0.5, 100), 4)
    y_hat = rounded(2.9 * x + 2.1, 4)
    regression_cases += [
        regression_case("linear-noisy-100", y, y_hat),
        regression_case("perfect", [1.5, -2.0, 3.25, 0.0], [1.5, -2.0, 3.25, 0.0]),
        regression_case("constant-target-imperfect", [3.0, 3.0, 3.0, 3.0], [3.0, 2.5, 3.5, 3.0]),
        regression_case("constant-target-perfect", [3.0, 3.0, 3.0], [3.0, 3.0, 3.0]),
        regression_case("worse-than-the-mean", [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]),
        regression_case("two-samples", [0.0, 1.0], [0.2, 0.7]),
        regression_case("large-values", rounded(1e6 + 1e4 * rng.normal(0, 1, 50), 2), rounded(1e6 + 1e4 * rng.normal(0, 1, 50), 2)),
    ]

    # -- inputs both refuse ------------------------------------------------------------------
    error_cases += [
        error_case("lengths-differ", "accuracy", ([0, 1, 1], [0, 1])),
        error_case("binary-average-with-three-classes", "precision", ([0, 1, 2], [0, 1, 1])),
        error_case("binary-average-positive-absent", "precision", (["a", "b"], ["a", "b"]), {"pos_label": "c"}),
        error_case("roc-auc-one-class", "rocAuc", ([1, 1, 1], [0.2, 0.4, 0.9])),
        error_case("roc-curve-strings-without-positive", "rocCurve", (["a", "b", "a"], [0.2, 0.4, 0.9])),
        error_case("log-loss-one-label", "logLoss", ([1, 1], [0.2, 0.9])),
        error_case("log-loss-columns-differ", "logLoss", ([0, 1, 2], [[0.5, 0.5], [0.3, 0.7], [0.1, 0.9]])),
        error_case("nan-prediction", "meanSquaredError", ([1.0, 2.0], [1.0, float("nan")])),
        error_case("scores-with-nan", "rocCurve", ([0, 1, 1], [0.2, float("nan"), 0.9])),
    ]

    document = {
        "generatedBy": "scripts/make-metric-fixtures.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "seed": SEED,
        "labelCases": label_cases,
        "scoreCases": score_cases,
        "probabilityCases": probability_cases,
        "regressionCases": regression_cases,
        "errorCases": error_cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = to_json(document)
    with open(OUT + ".tmp", "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(OUT + ".tmp", OUT)
    print(f"wrote {os.path.relpath(OUT)}: {len(text) // 1024} KB, scikit-learn {sklearn.__version__}, "
          f"{sum(len(c) for c in (label_cases, score_cases, probability_cases, regression_cases, error_cases))} cases")


if __name__ == "__main__":
    main()
