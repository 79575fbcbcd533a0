"""scikit-learn's side of bench/train.ts: MLPClassifier on the benchmark's own data.

bench/train.ts writes each data set as raw little-endian files (float32
features, int32 labels) under bench/.out/train/ and runs this script with
/usr/bin/python3 and one argument, a JSON object:

  {"xTrain": path, "yTrain": path, "xTest": path, "yTest": path,
   "trainRows": n, "testRows": m, "features": f, "hidden": [128, 128],
   "learningRate": 0.01, "batchSize": 128, "epochs": 4, "seed": 7,
   "oneThread": true}

It prints one JSON object to stdout (progress lines go to stderr). When
scikit-learn cannot be imported it prints {"available": false, "reason": ...}
and exits 0: the benchmark reports the note instead of failing.

Timing: one classifier, one partial_fit call per epoch (one pass over the
shuffled rows with Adam; the optimizer's state carries over between calls).
Its random_state is a numpy RandomState rather than an int, because
MLPClassifier re-seeds an int at each call, which would shuffle every epoch
the same way; with an instance, each call draws a fresh permutation. The
first epoch equals fit()'s; later ones are shuffled differently (fit()
shuffles the previous epoch's order again, partial_fit a fresh one): as
random, not identical. Each call is timed alone; the held-out accuracy after
each epoch is computed between calls, outside the timing. Seconds per epoch
is the median of the epochs after the first (the warm-up). As a check,
fit() with max_iter=epochs and the int seed trains once more: its total /
epochs, held-out accuracy and loss curve are reported as fitCheck (the
accuracy's difference from the partial_fit series shows how much the
shuffling alone moves it).

scikit-learn runs as it does by default on this machine (its BLAS threads
are reported); with "oneThread", the partial_fit series runs once more under
threadpool_limits(1) for reference.
"""
import json
import os
import statistics
import sys
import time
import warnings


def progress(line):
    print(f"[bench train:sklearn] {line}", file=sys.stderr, flush=True)


def threads():
    """The BLAS/OpenMP thread pools numpy and scikit-learn use, and the variables that set them."""
    env = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"env": env, "cpuCount": os.cpu_count(), "threadpools": None, "note": "threadpoolctl is not installed: only the environment is known"}
    keys = ("user_api", "internal_api", "version", "threading_layer", "architecture", "num_threads", "filepath")
    return {"env": env, "cpuCount": os.cpu_count(), "threadpools": [{k: p.get(k) for k in keys} for p in threadpool_info()]}


def main():
    spec = json.loads(sys.argv[1])
    try:
        import numpy as np
        import sklearn
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError as error:
        print(json.dumps({"available": False, "reason": f"cannot import scikit-learn with {sys.executable}: {error} (Debian: apt-get install python3-sklearn)"}))
        return

    rows, test_rows, features, epochs = spec["trainRows"], spec["testRows"], spec["features"], spec["epochs"]
    x_train = np.fromfile(spec["xTrain"], dtype="<f4").reshape(rows, features)
    y_train = np.fromfile(spec["yTrain"], dtype="<i4")
    x_test = np.fromfile(spec["xTest"], dtype="<f4").reshape(test_rows, features)
    y_test = np.fromfile(spec["yTest"], dtype="<i4")
    classes = np.unique(y_train)

    def classifier(random_state):
        return MLPClassifier(
            hidden_layer_sizes=tuple(spec["hidden"]),
            activation="relu",
            solver="adam",
            batch_size=spec["batchSize"],
            learning_rate_init=spec["learningRate"],
            max_iter=epochs,
            shuffle=True,
            random_state=random_state,
            tol=0.0,
            n_iter_no_change=epochs + 1,
            early_stopping=False,
            alpha=0.0,
        )

    def by_epoch():
        clf = classifier(np.random.RandomState(spec["seed"]))
        epoch_s, history = [], []
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            if epoch == 1:
                clf.partial_fit(x_train, y_train, classes=classes)
            else:
                clf.partial_fit(x_train, y_train)
            epoch_s.append(time.perf_counter() - started)
            accuracy = float(clf.score(x_test, y_test))
            history.append({"epoch": epoch, "loss": round(float(clf.loss_), 6), "heldOutAccuracy": round(accuracy, 6)})
            progress(f"epoch {epoch}/{epochs}: {epoch_s[-1]:.3f} s, loss {clf.loss_:.4f}, held-out accuracy {accuracy:.4f}")
        return clf, epoch_s, history

    pools = threads()
    progress(f"scikit-learn {sklearn.__version__}, {rows} x {features} (float32), MLP {spec['hidden']}, {epochs} epochs by partial_fit")
    clf, epoch_s, history = by_epoch()
    timed = epoch_s[1:] or epoch_s

    progress(f"check: fit() with max_iter={epochs}")
    check = classifier(spec["seed"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        check.fit(x_train, y_train)
        total = time.perf_counter() - started
    curve = [float(v) for v in check.loss_curve_]
    fit_check = {
        "totalS": round(total, 3),
        "secondsPerEpoch": round(total / epochs, 3),
        "epochs": len(curve),
        "heldOutAccuracy": round(float(check.score(x_test, y_test)), 6),
        "maxLossDifferenceFromPartialFit": float(max(abs(a - float(b["loss"])) for a, b in zip(curve, history))),
        "lossCurve": [round(v, 6) for v in curve],
    }

    one_thread = None
    if spec.get("oneThread"):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            one_thread = {"available": False, "reason": "threadpoolctl is not installed"}
        else:
            progress("the same under threadpool_limits(1)")
            with threadpool_limits(limits=1):
                _, one_s, _ = by_epoch()
            one_thread = {"available": True, "secondsPerEpoch": round(statistics.median(one_s[1:] or one_s), 3), "samples": {"epochS": [round(s, 3) for s in one_s[1:]]}}

    result = {
        "available": True,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "threads": pools,
        "dtype": str(x_train.dtype),
        "method": "one partial_fit call per epoch (random_state a numpy RandomState, so each epoch draws a new permutation); seconds per epoch = median of the epochs after the first; held-out accuracy after each epoch, computed outside the timing; fitCheck: fit() once with max_iter=epochs, total / epochs",
        "estimator": f"MLPClassifier(hidden_layer_sizes={tuple(spec['hidden'])}, activation='relu', solver='adam', batch_size={spec['batchSize']}, learning_rate_init={spec['learningRate']}, max_iter={epochs}, shuffle=True, random_state={spec['seed']}, tol=0, n_iter_no_change={epochs + 1}, early_stopping=False, alpha=0)",
        "epochs": epochs,
        "warmupEpochS": round(epoch_s[0], 3),
        "secondsPerEpoch": round(statistics.median(timed), 3),
        "finalTrainLoss": history[-1]["loss"],
        "heldOutAccuracy": history[-1]["heldOutAccuracy"],
        "history": history,
        "samples": {"epochS": [round(s, 3) for s in timed]},
        "fitCheck": fit_check,
    }
    if one_thread is not None:
        result["oneThread"] = one_thread
    print(json.dumps(result))


if __name__ == "__main__":
    main()
