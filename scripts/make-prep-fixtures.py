#!/usr/bin/env python3
"""Writes the scikit-learn expectations of test/ml/prep into test/fixtures/prep/*.json.

Run once, from the project root, where scikit-learn is installed (Debian:
apt-get install python3-sklearn):

    /usr/bin/python3 scripts/make-prep-fixtures.py

The tests read the JSON; they do not need Python. The penguins are read from
vega-datasets' own file, as loadDataset("penguins") does; "complete" rows are
those without a missing value, as df.dropNa({ axis: 1 }) keeps them.
"""
import json
import os
import re
import sys

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "prep")
NUMERIC = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"]
CATEGORICAL = ["Species", "Island", "Sex"]
COLUMNS = ["Species", "Island"] + NUMERIC + ["Sex"]


def matrix(rows, columns, dtype=float):
    return np.array([[r[c] if r[c] is not None else np.nan for c in columns] for r in rows], dtype=dtype)


def objects(rows, columns):
    return np.array([[r[c] for c in columns] for r in rows], dtype=object)


def plain(x):
    """numpy values as JSON values."""
    if isinstance(x, np.ndarray):
        return [plain(v) for v in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def penguins():
    with open(os.path.join(ROOT, "node_modules", "vega-datasets", "data", "penguins.json")) as f:
        rows = json.load(f)
    complete = [r for r in rows if all(r.get(c) is not None for c in COLUMNS)]
    X = matrix(complete, NUMERIC)
    out = {"rows": len(complete), "numericColumns": NUMERIC}

    ss = StandardScaler().fit(X)
    out["standardScaler"] = {"mean": plain(ss.mean_), "scale": plain(ss.scale_), "transformed": plain(ss.transform(X))}

    mm = MinMaxScaler().fit(X)
    out["minMaxScaler"] = {"dataMin": plain(mm.data_min_), "dataMax": plain(mm.data_max_), "transformed": plain(mm.transform(X))}
    mm2 = MinMaxScaler(feature_range=(-1, 1)).fit(X)
    out["minMaxScalerRange"] = {"featureRange": [-1, 1], "transformed": plain(mm2.transform(X))}

    C = objects(complete, CATEGORICAL)
    oh = OneHotEncoder(sparse_output=False).fit(C)
    out["oneHotEncoder"] = {
        "columns": CATEGORICAL,
        "categories": [plain(c) for c in oh.categories_],
        "names": [n.replace("_", "=", 1) for n in oh.get_feature_names_out(CATEGORICAL)],
        "transformed": plain(oh.transform(C)),
    }
    ohd = OneHotEncoder(sparse_output=False, drop="first").fit(C)
    out["oneHotEncoderDropFirst"] = {
        "names": [n.replace("_", "=", 1) for n in ohd.get_feature_names_out(CATEGORICAL)],
        "transformed": plain(ohd.transform(C)),
    }

    le = LabelEncoder().fit([r["Species"] for r in complete])
    out["labelEncoder"] = {"classes": plain(le.classes_), "codes": plain(le.transform([r["Species"] for r in complete]))}

    # ColumnTransformer: scaled numbers, one-hot islands, the rest passed through in their order.
    A = objects(complete, COLUMNS)
    num = [COLUMNS.index(c) for c in ["Beak Length (mm)", "Body Mass (g)"]]
    ct = ColumnTransformer(
        [("num", StandardScaler(), num), ("cat", OneHotEncoder(sparse_output=False), [COLUMNS.index("Island")])],
        remainder="passthrough",
    ).fit(A)
    Y = ct.transform(A)
    remainder = [COLUMNS[i] for i in ct.transformers_[-1][2]]
    names = ["Beak Length (mm)", "Body Mass (g)"] + ["Island=" + c for c in ct.named_transformers_["cat"].categories_[0]] + remainder
    out["columnTransformer"] = {
        "names": names,
        "numeric": plain(np.array(Y[:, : len(names) - len(remainder)], dtype=float)),
        "remainder": plain(Y[:, len(names) - len(remainder) :]),
    }

    # SimpleImputer on all 344 rows, missing values included.
    # Only the rows that had a missing value are kept: the others pass through unchanged.
    Xall = matrix(rows, NUMERIC)
    gaps = [i for i, r in enumerate(rows) if any(r[c] is None for c in NUMERIC)]
    imputers = {"numericRows": gaps}
    for strategy in ["mean", "median", "most_frequent", "constant"]:
        imp = SimpleImputer(strategy=strategy).fit(Xall)
        imputers[strategy] = {"statistics": plain(imp.statistics_), "transformed": plain(imp.transform(Xall)[gaps])}
    S = objects(rows, ["Sex"])
    sex_gaps = [i for i, r in enumerate(rows) if r["Sex"] is None]
    imputers["sexRows"] = sex_gaps
    for strategy in ["most_frequent", "constant"]:
        imp = SimpleImputer(missing_values=None, strategy=strategy).fit(S)
        imputers["sex_" + strategy] = {"statistics": plain(imp.statistics_), "transformed": plain(imp.transform(S)[sex_gaps, 0])}
    out["simpleImputer"] = imputers
    return out


def synthetic():
    out = {}
    X = np.array(
        [
            [1.0, 5.0, 0.1, -2.0],
            [2.0, 5.0, 0.1, 0.0],
            [4.0, 5.0, 0.1, 3.5],
            [8.0, 5.0, 0.1, 1e6],
        ]
    )
    out["scalerInput"] = {"columns": ["a", "constant", "tenth", "wide"], "rows": plain(X)}
    ss = StandardScaler().fit(X)
    out["standardScaler"] = {"mean": plain(ss.mean_), "scale": plain(ss.scale_), "transformed": plain(ss.transform(X))}
    unseen = np.array([[0.0, 6.0, 0.2, 5.0], [16.0, 4.0, 0.0, -1e6]])
    out["unseen"] = plain(unseen)
    out["standardScalerUnseen"] = plain(ss.transform(unseen))
    mm = MinMaxScaler().fit(X)
    out["minMaxScaler"] = {"transformed": plain(mm.transform(X)), "unseen": plain(mm.transform(unseen))}
    mmc = MinMaxScaler(clip=True).fit(X)
    out["minMaxScalerClip"] = {"unseen": plain(mmc.transform(unseen))}

    ties = np.array([[3], [1], [1], [3], [2], [np.nan]], dtype=float)
    out["mostFrequentTies"] = {"values": [3, 1, 1, 3, 2, None], "statistic": plain(SimpleImputer(strategy="most_frequent").fit(ties).statistics_[0])}
    S = np.array([["b"], ["a"], ["b"], ["a"], [None], ["c"]], dtype=object)
    out["mostFrequentStringTies"] = {
        "values": ["b", "a", "b", "a", None, "c"],
        "statistic": SimpleImputer(missing_values=None, strategy="most_frequent").fit(S).statistics_[0],
    }
    even = np.array([[4.0], [1.0], [np.nan], [3.0], [10.0]])
    out["medianEven"] = {"values": [4, 1, None, 3, 10], "statistic": plain(SimpleImputer(strategy="median").fit(even).statistics_[0])}
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"generatedBy": "scripts/make-prep-fixtures.py", "sklearn": sklearn.__version__, "numpy": np.__version__}
    for name, build in [("penguins", penguins), ("synthetic", synthetic)]:
        data = {"meta": meta, **build()}
        path = os.path.join(OUT, name + ".json")
        text = json.dumps(data, indent=1, allow_nan=False)
        # One line per innermost array (a matrix row), for a file a person can read and diff.
        text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
        with open(path, "w") as f:
            f.write(text + "\n")
        print("wrote", os.path.relpath(path, ROOT), file=sys.stderr)


if __name__ == "__main__":
    main()
