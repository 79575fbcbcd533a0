"""Writes test/fixtures/drift/scipy.json: data drift cases with scipy's (and Evidently's) answers.

Usage (from the repository root): /usr/bin/python3 scripts/make-drift-fixtures.py

The tests (test/monitor/drift.test.ts) read the JSON and compare pipelab's drift statistics
(src/monitor/drift/) with these; they do not need Python. Run this again only to add cases or
to check other versions of scipy, numpy and pandas (recorded at the top of the file).

Evidently is not installed here: its formulas are ported below in a few lines each, from
evidently/legacy/calculations/stattests/ (ks_stattest.py, chisquare_stattest.py, z_stattest.py,
wasserstein_distance_norm.py, jensenshannon.py, psi.py, utils.py, registry.py), its column-type
rule from evidently/legacy/utils/data_preprocessing.py (_get_column_type) and its data set rule
from evidently/legacy/calculations/data_drift.py (get_one_column_drift, get_dataset_drift). They
call scipy, numpy and pandas exactly as Evidently does.

Most samples are not stored but generated, here and in the test, by one small generator
(an integer hash, then only +, -, *, / and floor, which IEEE doubles make bit-identical in Python
and JavaScript), so that cases of a million values keep the file small. Each generated sample carries
a check (its length, first and last value, and sum) that the test verifies before using it.
"""
import json
import math
import os
import platform
import sys
import warnings

# Evidently lists categories as list(set(...)), whose order follows Python's string hashing; fix
# the hash seed so that a rerun writes the same file to the last digit (the order only changes
# how sums round).
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np
import pandas as pd
import scipy
from scipy import special, stats
from scipy.spatial import distance

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "drift", "scipy.json")
MASK = 0xFFFFFFFF


# ---------------------------------------------------------------------------------------
# The shared generator (test/monitor/drift.test.ts has its twin): counter-based, so numpy can
# vectorize it. Draw k of a sample is lowbias32(lowbias32(seed) + k) / 2^32; each value takes a
# fixed number of draws (one more when values may be missing, drawn first).


def lowbias32(x):
    """Chris Wellons' lowbias32 integer hash, on a numpy uint32 array (or a Python int)."""
    if isinstance(x, int):
        x ^= x >> 16
        x = (x * 0x7FEB352D) & MASK
        x ^= x >> 15
        x = (x * 0x846CA68B) & MASK
        x ^= x >> 16
        return x
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    x = x ^ (x >> np.uint32(16))
    return x


DRAWS = {"normal": 4, "uniform": 1, "skewed": 2, "integer": 1, "category": 1}


def generate(spec):
    """A list of values (None for missing) from a spec: see the test's `generate`."""
    dist, n = spec["dist"], spec["n"]
    loc, scale = spec.get("loc", 0.0), spec.get("scale", 1.0)
    missing = spec.get("missing", 0.0)
    per = DRAWS[dist] + (1 if missing > 0 else 0)
    counters = (np.arange(n * per, dtype=np.uint64) + lowbias32(spec["seed"] & MASK)) & MASK
    u = (lowbias32(counters.astype(np.uint32)).astype(np.float64) / 4294967296.0).reshape(n, per)
    first = 1 if missing > 0 else 0
    if dist == "normal":  # Irwin-Hall: a sum of four uniforms, centred
        z = u[:, first] + u[:, first + 1] + u[:, first + 2] + u[:, first + 3] - 2.0
        v = loc + scale * z
    elif dist == "uniform":
        v = loc + scale * u[:, first]
    elif dist == "skewed":
        v = loc + scale * (u[:, first] * u[:, first + 1])
    elif dist == "integer":
        v = loc + np.floor(u[:, first] * spec["k"])
    elif dist == "category":
        w = u[:, first] * u[:, first] if spec.get("skew") else u[:, first]
        labels = spec["labels"]
        v = [labels[i] for i in np.floor(w * len(labels)).astype(np.int64)]
    else:
        raise ValueError(dist)
    if "round" in spec:
        p = 10.0 ** spec["round"]
        v = np.floor(v * p + 0.5) / p
    values = v if isinstance(v, list) else v.tolist()
    if dist == "integer" and isinstance(loc, int) and "round" not in spec:
        values = [int(x) for x in values]  # whole numbers, as a list of ints (pandas: int64)
    if missing > 0:
        gone = u[:, 0] < missing
        values = [None if g else x for g, x in zip(gone.tolist(), values)]
    return values


def check_of(values):
    """What the test checks of its own generated sample: length, first and last value, and the sum of the numbers."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return {"length": len(values), "first": values[0], "last": values[-1], "sum": math.fsum(numbers)}


def payload(values_or_spec):
    """What the JSON holds for one sample: explicit values, or a generator spec and its check."""
    if isinstance(values_or_spec, dict):
        values = generate(values_or_spec)
        return values, {"generate": values_or_spec, "check": check_of(values)}
    return list(values_or_spec), {"values": [jsonable(v) for v in values_or_spec]}


def jsonable(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def number(v):
    """A float for JSON; non-finite ones as strings, which JSON cannot hold."""
    v = float(v)
    return v if math.isfinite(v) else jsonable(v)


# ---------------------------------------------------------------------------------------
# pandas Series as Evidently would get them, by the array type the test passes.


def series(values, array):
    """float64 / float32 / int32 typed arrays, or "plain": a list, typed the way pandas infers it."""
    if array == "float64":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if array == "int32":
        return pd.Series(values, dtype="int32")
    return pd.Series(values)  # pandas' inference: int64, float64 (with None), bool, object


# ---------------------------------------------------------------------------------------
# Evidently, ported.


NUMBER_UNIQUE_AS_CATEGORICAL = 5


def column_type(ref, cur):
    """data_preprocessing._get_column_type, no column mapping."""
    ref_type, cur_type = ref.dtype, cur.dtype
    ref_unique, cur_unique = ref.nunique(), cur.nunique()
    if ref_type != cur_type:
        available_set = ["i", "u", "f", "c", "m", "M"]
        if ref_type.kind not in available_set or cur_type.kind not in available_set:
            cur_type = ref_type
    nunique = ref_unique or cur_unique
    column_dtype = cur_type
    if pd.api.types.is_integer_dtype(column_dtype):
        return "categorical" if nunique <= NUMBER_UNIQUE_AS_CATEGORICAL else "numeric"
    if pd.api.types.is_numeric_dtype(column_dtype):
        return "categorical" if column_dtype == bool else "numeric"
    return "categorical"


def default_stattest(reference_data, current_data, feature_type):
    """registry._get_default_stattest."""
    n_values = pd.concat([reference_data, current_data]).nunique()
    if reference_data.shape[0] <= 1000:
        if feature_type == "numeric":
            if n_values <= 5:
                return "chisquare" if n_values > 2 else "z"
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if feature_type == "numeric":
        return "jensenshannon" if n_values <= 5 else "wasserstein"
    return "jensenshannon"


def get_unique_not_nan_values_list_from_series(current_data, reference_data):
    return list(set(reference_data.dropna().unique()) | set(current_data.dropna().unique()))


def get_binned_data(reference_data, current_data, feature_type, n, feel_zeroes=True):
    """utils.get_binned_data."""
    n_vals = reference_data.nunique()
    if feature_type == "numeric" and n_vals > 20:
        combined = np.asarray(pd.concat([reference_data, current_data], axis=0).values)
        bins = np.histogram_bin_edges(combined, bins="sturges")
        reference_percents = np.histogram(reference_data, bins)[0] / len(reference_data)
        current_percents = np.histogram(current_data, bins)[0] / len(current_data)
    else:
        keys = get_unique_not_nan_values_list_from_series(current_data=current_data, reference_data=reference_data)
        ref_feature_dict = {**dict.fromkeys(keys, 0), **dict(reference_data.value_counts())}
        current_feature_dict = {**dict.fromkeys(keys, 0), **dict(current_data.value_counts())}
        reference_percents = np.array([ref_feature_dict[key] / len(reference_data) for key in keys])
        current_percents = np.array([current_feature_dict[key] / len(current_data) for key in keys])
    if feel_zeroes:
        np.place(reference_percents, reference_percents == 0,
                 min(reference_percents[reference_percents != 0]) / 10**6
                 if min(reference_percents[reference_percents != 0]) <= 0.0001 else 0.0001)
        np.place(current_percents, current_percents == 0,
                 min(current_percents[current_percents != 0]) / 10**6
                 if min(current_percents[current_percents != 0]) <= 0.0001 else 0.0001)
    return reference_percents, current_percents


def run_ks(ref, cur, kind):
    res = stats.ks_2samp(ref, cur)
    return res.statistic, res.pvalue


def run_chisquare(reference_data, current_data, kind):
    keys = get_unique_not_nan_values_list_from_series(current_data=current_data, reference_data=reference_data)
    ref_feature_dict = {**dict.fromkeys(keys, 0), **dict(reference_data.value_counts())}
    current_feature_dict = {**dict.fromkeys(keys, 0), **dict(current_data.value_counts())}
    k_norm = current_data.shape[0] / reference_data.shape[0]
    f_exp = [ref_feature_dict[key] * k_norm for key in keys]
    f_obs = [current_feature_dict[key] for key in keys]
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        statistic, p_value = stats.chisquare(f_obs, f_exp)
    return statistic, p_value


def run_z(reference_data, current_data, kind):
    def proportions_diff_z_stat_ind(ref, curr):
        n1, n2 = len(ref), len(curr)
        p1 = float(sum(ref)) / n1
        p2 = float(sum(curr)) / n2
        P = float(p1 * n1 + p2 * n2) / (n1 + n2)
        return (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))

    if (reference_data.nunique() == 1 and current_data.nunique() == 1
            and reference_data.unique()[0] == current_data.unique()[0]):
        return 0.0, 1.0
    keys = sorted(get_unique_not_nan_values_list_from_series(current_data=current_data, reference_data=reference_data))
    z = proportions_diff_z_stat_ind(
        reference_data.apply(lambda x, key=keys[0]: 0 if x == key else 1),
        current_data.apply(lambda x, key=keys[0]: 0 if x == key else 1),
    )
    return z, 2 * (1 - stats.norm.cdf(np.abs(z)))


def run_wasserstein(reference_data, current_data, kind):
    norm = max(float(np.std(reference_data)), 0.001)
    return stats.wasserstein_distance(reference_data, current_data) / norm, None


def run_jensenshannon(reference_data, current_data, kind):
    reference_percents, current_percents = get_binned_data(reference_data, current_data, kind, 30, False)
    return distance.jensenshannon(reference_percents, current_percents, None), None


def run_psi(reference_data, current_data, kind):
    reference_percents, current_percents = get_binned_data(reference_data, current_data, kind, 30)
    psi_values = (reference_percents - current_percents) * np.log(reference_percents / current_percents)
    return np.sum(psi_values), None


# name: (run, default threshold, drift when)
METHODS = {
    "ks": (run_ks, 0.05, lambda p, t: p <= t),
    "chisquare": (run_chisquare, 0.05, lambda p, t: p < t),
    "z": (run_z, 0.05, lambda p, t: p < t),
    "wasserstein": (run_wasserstein, 0.1, lambda s, t: s >= t),
    "jensenshannon": (run_jensenshannon, 0.1, lambda s, t: s >= t),
    "psi": (run_psi, 0.1, lambda s, t: s >= t),
}


def evidently_column_drift(ref, cur, method=None, kind=None, threshold=None):
    """get_one_column_drift for one column: type, cleaning, default test, threshold."""
    kind = kind or column_type(ref, cur)
    ref = ref.replace([-np.inf, np.inf], np.nan).dropna()
    cur = cur.replace([-np.inf, np.inf], np.nan).dropna()
    if ref.empty or cur.empty:
        return None  # Evidently raises; pipelab reports the column as empty and leaves it out of the share
    method = method or default_stattest(ref, cur, kind)
    run, default_threshold, drifts = METHODS[method]
    threshold = default_threshold if threshold is None else threshold
    statistic, p_value = run(ref, cur, kind)
    score = statistic if p_value is None else p_value
    out = {"kind": kind, "method": method, "statistic": number(statistic), "threshold": threshold,
           "drifted": bool(drifts(score, threshold)), "referenceSize": int(len(ref)), "currentSize": int(len(cur))}
    if p_value is not None:
        out["pValue"] = number(p_value)
    return out


# ---------------------------------------------------------------------------------------
# The cases.


def normal(n, seed, loc=0.0, scale=1.0, **more):
    return {"dist": "normal", "n": n, "seed": seed, "loc": loc, "scale": scale, **more}


def uniform(n, seed, loc=0.0, scale=1.0, **more):
    return {"dist": "uniform", "n": n, "seed": seed, "loc": loc, "scale": scale, **more}


def integers(n, seed, k, loc=0, **more):
    return {"dist": "integer", "n": n, "seed": seed, "k": k, "loc": loc, **more}


def categories(n, seed, labels, **more):
    return {"dist": "category", "n": n, "seed": seed, "labels": labels, **more}


def kstwo_grid():
    rows = []
    for n in [1, 2, 3, 5, 10, 20, 50, 100, 140, 141, 200, 500, 1000, 5000, 20000, 100000, 100001, 500000, 2000000]:
        xs = {0.3 / n, 0.5 / n, 0.7 / n, 1 / n, 1.5 / n, 2 / n, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99}
        if n > 1:
            xs.add(1 - 1 / n)
        # Either side of each branch point of scipy's _kolmogn: n·x² = 0.754693, 2.2, 4, 18, 370; n·x^1.5 = 1.4.
        for c in [0.5, 0.7, 0.76, 1, 2, 2.1, 2.3, 3, 4.1, 10, 17, 19, 100, 300, 371]:
            xs.add(math.sqrt(c / n))
        xs.update({(1.3 / n) ** (2 / 3), (1.5 / n) ** (2 / 3)})
        for x in sorted(xs):
            if 0 < x < 1:
                rows.append([n, x, number(stats.kstwo.sf(x, n)), number(special.smirnov(n, x))])
    return rows


def ks_case(name, a, b):
    a_values, a_json = payload(a)
    b_values, b_json = payload(b)
    ref = np.array([v for v in a_values if v is not None], dtype=float)
    cur = np.array([v for v in b_values if v is not None], dtype=float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(ref, cur)
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    exact = max(len(ref), len(cur)) <= 10000 and not fell_back
    return {"name": name, "reference": a_json, "current": b_json,
            "expected": {"statistic": number(res.statistic), "pValue": number(res.pvalue), "exact": exact}}


def ks_cases():
    c = []
    c.append(ks_case("exact, equal sizes 20, same distribution", normal(20, 1), normal(20, 2)))
    c.append(ks_case("exact, equal sizes 200, shifted by 0.3", normal(200, 3), normal(200, 4, loc=0.3)))
    c.append(ks_case("exact, equal sizes 5000, shifted by 0.05", normal(5000, 5), normal(5000, 6, loc=0.05)))
    c.append(ks_case("exact, 30 and 45", normal(30, 7), normal(45, 8)))
    c.append(ks_case("exact, 100 and 250, shifted by 0.4", normal(100, 9), normal(250, 10, loc=0.4)))
    c.append(ks_case("exact, ties: rounded to 1 decimal, 300 and 400", normal(300, 11, round=1), normal(400, 12, loc=0.1, round=1)))
    c.append(ks_case("exact, ties: integers 0-11, 150 and 170", integers(150, 13, 12), integers(170, 14, 12)))
    c.append(ks_case("exact, 1000 and 5000, shifted by 0.05", normal(1000, 15), normal(5000, 16, loc=0.05)))
    c.append(ks_case("exact at the switch: 1000 and 10000", normal(1000, 17), normal(10000, 18, loc=0.03)))
    c.append(ks_case("asymptotic past the switch: 1000 and 10001", normal(1000, 17), normal(10001, 18, loc=0.03)))
    c.append(ks_case("exact, coprime 997 and 9973", normal(997, 19), normal(9973, 20, loc=0.08)))
    c.append(ks_case("exact, skewed against normal, 400 and 600", {"dist": "skewed", "n": 400, "seed": 21, "loc": -0.5, "scale": 2.0}, normal(600, 22, scale=0.5)))
    c.append(ks_case("asymptotic, 5 and 20000 (n = 5: Pomeranz or Smirnov)", normal(5, 23), normal(20000, 24)))
    c.append(ks_case("asymptotic, 5 and 20000, shifted by 1.5", normal(5, 25, loc=1.5), normal(20000, 26)))
    c.append(ks_case("asymptotic, 60 and 15000", normal(60, 27), normal(15000, 28, loc=0.1)))
    c.append(ks_case("asymptotic, 150 and 12000 (n > 140)", normal(150, 29), normal(12000, 30)))
    c.append(ks_case("asymptotic, 150 and 12000, shifted by 0.3", normal(150, 31), normal(12000, 32, loc=0.3)))
    c.append(ks_case("asymptotic, 1000 and 50000, same distribution", normal(1000, 33), normal(50000, 34)))
    c.append(ks_case("asymptotic, 1000 and 50000, shifted by 0.1", normal(1000, 35), normal(50000, 36, loc=0.1)))
    c.append(ks_case("asymptotic, 100000 and 100000, shifted by 0.01", normal(100000, 37), normal(100000, 38, loc=0.01)))
    c.append(ks_case("asymptotic, 200000 and 150000, same distribution", normal(200000, 39), normal(150000, 40)))
    c.append(ks_case("asymptotic, ties: 20000 and 30000 rounded to 2 decimals", normal(20000, 41, round=2), normal(30000, 42, loc=0.02, round=2)))
    c.append(ks_case("identical samples, exact", normal(300, 43), normal(300, 43)))
    c.append(ks_case("identical samples, asymptotic", normal(12000, 44), normal(12000, 44)))
    c.append(ks_case("disjoint samples, exact", uniform(50, 45), uniform(70, 46, loc=2.0)))
    c.append(ks_case("disjoint samples, asymptotic", uniform(20, 47), uniform(20000, 48, loc=2.0)))
    c.append(ks_case("one value each", [1.0], [2.0]))
    c.append(ks_case("three and two values, interleaved", [1.0, 3.0, 5.0], [2.0, 4.0]))
    c.append(ks_case("tied values across the samples", [1.0, 1.0, 2.0, 2.0, 3.0], [1.0, 2.0, 2.0, 2.0, 4.0, 4.0]))
    return c


def column_case(name, a, b, array="plain", options=None):
    a_values, a_json = payload(a)
    b_values, b_json = payload(b)
    options = options or {}
    ref, cur = series(a_values, array), series(b_values, array)
    expected = evidently_column_drift(ref, cur, method=options.get("method"), kind=options.get("kind"), threshold=options.get("threshold"))
    case = {"name": name, "array": array, "reference": a_json, "current": b_json, "expected": expected}
    if options:
        case["options"] = options
    return case


CITIES = ["Oslo", "Rome", "Lima", "Pune", "Kyiv", "Oran"]


def column_cases():
    c = []
    # Numeric, at most 1000 reference values: KS.
    c.append(column_case("numeric, 500 values, same distribution: ks, no drift", normal(500, 101), normal(800, 102), "float64"))
    c.append(column_case("numeric, 500 values, shifted by 0.3: ks, drift", normal(500, 103), normal(800, 104, loc=0.3), "float64"))
    c.append(column_case("numeric, exactly 1000 reference values: still ks", normal(1000, 105), normal(1000, 106, loc=0.05), "float64"))
    c.append(column_case("numeric with NaN, null and Infinity dropped", normal(400, 107, missing=0.1), normal(300, 108, loc=0.2, missing=0.2)))
    c.append(column_case("numeric, explicit NaN, null, Infinity and -Infinity dropped",
                         [0.5, float("nan"), 1.5, None, 2.5, float("inf"), 3.5, 4.5, -1.0, 7.25, 2.0, float("-inf")],
                         [5.5, 6.5, None, 7.5, float("nan"), 8.5, 9.5, 0.25]))
    c.append(column_case("ks with a threshold of 0.5", normal(300, 109), normal(300, 110, loc=0.05), "float64", {"threshold": 0.5}))
    # Numeric, more than 1000 reference values: Wasserstein.
    c.append(column_case("numeric, 1001 reference values: wasserstein", normal(1001, 111), normal(1000, 112, loc=0.05), "float64"))
    c.append(column_case("numeric, 5000 values, shifted by 0.2: wasserstein, drift", normal(5000, 113), normal(4000, 114, loc=0.2), "float64"))
    c.append(column_case("numeric, 5000 values, scaled by 1.1: wasserstein, no drift", normal(5000, 115), normal(4000, 116, scale=1.1), "float64"))
    c.append(column_case("numeric, constant reference: the norm is 0.001", [3.0] * 1500, normal(1200, 117, loc=3.0, scale=0.01), "float64"))
    c.append(column_case("numeric, a million values each, shifted by 0.005: wasserstein", normal(1000000, 118), normal(1000000, 119, loc=0.005), "float64"))
    # Numeric with few values: Evidently tests them as categories.
    c.append(column_case("floats with 4 values, 300 reference: chisquare", integers(300, 120, 4, loc=0.5), integers(400, 121, 4, loc=0.5), "float64"))
    c.append(column_case("floats with 2 values, 300 reference: z", integers(300, 122, 2), integers(350, 123, 2, skew=True), "float64"))
    c.append(column_case("floats with 3 values, 2000 reference: jensenshannon", integers(2000, 124, 3), integers(2500, 125, 3), "float64"))
    c.append(column_case("int32 with 5 values: categorical, chisquare", integers(600, 126, 5), integers(700, 127, 5), "int32"))
    c.append(column_case("int32 with 5 values in the reference, 6 in all: categorical, chisquare", integers(600, 128, 5), integers(700, 129, 6), "int32"))
    c.append(column_case("int32 with 8 values: numeric, ks", integers(600, 130, 8), integers(700, 131, 8, loc=1), "int32"))
    c.append(column_case("whole numbers in a plain array, 4 values: categorical", integers(500, 132, 4), integers(500, 133, 4)))
    c.append(column_case("whole numbers with a null: float, numeric, ks", integers(500, 134, 9, missing=0.05), integers(500, 135, 9, loc=1, missing=0.05)))
    c.append(column_case("int32 with 12 values, 3000 reference: wasserstein", integers(3000, 136, 12), integers(3000, 137, 12, loc=1), "int32"))
    # Categorical.
    c.append(column_case("strings, 4 categories, same mix: chisquare, no drift", categories(400, 140, CITIES[:4]), categories(500, 1140, CITIES[:4])))
    c.append(column_case("strings, 4 categories, skewed mix: chisquare, drift", categories(400, 142, CITIES[:4]), categories(500, 143, CITIES[:4], skew=True)))
    c.append(column_case("strings with a category unseen in the reference: chi² is infinite", categories(300, 144, CITIES[:3]), categories(300, 145, CITIES[:4])))
    c.append(column_case("strings with a category absent from the current data", categories(300, 146, CITIES[:5]), categories(300, 147, CITIES[:3])))
    c.append(column_case("strings with nulls", categories(300, 148, CITIES[:4], missing=0.2), categories(300, 149, CITIES[:4], missing=0.1)))
    c.append(column_case("two strings: z", categories(400, 150, ["yes", "no"]), categories(450, 151, ["yes", "no"], skew=True)))
    c.append(column_case("booleans: z", categories(400, 152, [True, False]), categories(400, 153, [True, False])))
    c.append(column_case("one and the same value on both sides: z, p = 1", ["a"] * 50, ["a"] * 70))
    c.append(column_case("one value on each side, different: z", ["a"] * 50, ["b"] * 70))
    c.append(column_case("strings, 2000 reference: jensenshannon", categories(2000, 154, CITIES), categories(1500, 155, CITIES, skew=True)))
    c.append(column_case("strings, 2000 reference, unseen and absent categories: jensenshannon", categories(2000, 156, CITIES[:5]), categories(1500, 157, CITIES[1:])))
    c.append(column_case("chisquare on 100000 values: a tiny p-value", categories(100000, 158, CITIES), categories(100000, 159, CITIES, skew=True), options={"method": "chisquare"}))
    # Methods asked for.
    c.append(column_case("psi, numeric, histogram bins", normal(3000, 160), normal(3000, 161, loc=0.3), "float64", {"method": "psi"}))
    c.append(column_case("psi, numeric, empty bins on one side", normal(3000, 162), normal(3000, 163, loc=2.0, scale=0.5), "float64", {"method": "psi"}))
    c.append(column_case("psi, categorical, unseen and absent categories", categories(800, 164, CITIES[:5]), categories(900, 165, CITIES[1:]), options={"method": "psi"}))
    c.append(column_case("psi, numeric with 15 reference values: counted by value", integers(800, 166, 15), integers(900, 167, 17), "float64", {"method": "psi"}))
    c.append(column_case("jensenshannon, numeric, histogram bins", normal(1500, 168), normal(2500, 169, loc=0.2), "float64", {"method": "jensenshannon"}))
    c.append(column_case("jensenshannon, numeric with 20 reference values: counted by value", integers(800, 170, 20), integers(900, 171, 22), "float64", {"method": "jensenshannon"}))
    c.append(column_case("jensenshannon, numeric with 21 reference values: histogram", integers(800, 172, 21), integers(900, 173, 21), "float64", {"method": "jensenshannon"}))
    c.append(column_case("jensenshannon, a million values each", normal(1000000, 174), normal(1000000, 175, loc=0.05), "float64", {"method": "jensenshannon"}))
    c.append(column_case("psi, a million values each", normal(1000000, 176), normal(1000000, 177, scale=1.05), "float64", {"method": "psi"}))
    c.append(column_case("ks on a million values each", normal(1000000, 178), normal(1000000, 179, loc=0.003), "float64", {"method": "ks"}))
    c.append(column_case("wasserstein on 200 values", normal(200, 180), normal(200, 181, loc=0.1), "float64", {"method": "wasserstein"}))
    c.append(column_case("z forced on 300 floats with 2 values", integers(300, 182, 2), integers(300, 183, 2), "float64", {"method": "z"}))
    c.append(column_case("kind categorical forced on floats: chisquare", integers(300, 184, 4, loc=0.25), integers(300, 185, 4, loc=0.25), "float64", {"kind": "categorical"}))
    c.append(column_case("kind numeric forced on int32 with 4 values: still chisquare (few values)", integers(300, 186, 4), integers(300, 187, 4), "int32", {"kind": "numeric"}))
    return c


def dataset_case(name, columns, options=None):
    """columns: name -> (dtype, reference spec, current spec). dtypes: float64, int32, string, bool."""
    options = options or {}
    ref_json, cur_json, ref_cols, cur_cols = {}, {}, {}, {}
    for col, (dtype, a, b) in columns.items():
        a_values, ref_json[col] = payload(a)
        b_values, cur_json[col] = payload(b)
        array = {"float64": "float64", "int32": "int32"}.get(dtype, "plain")
        ref_cols[col], cur_cols[col] = series(a_values, array), series(b_values, array)
    names = options.get("columns", list(columns))
    results = []
    for col in names:
        r = evidently_column_drift(ref_cols[col], cur_cols[col], method=options.get("methods", {}).get(col),
                                   threshold=options.get("thresholds", {}).get(col))
        results.append({"column": col, **(r or {"empty": True})})
    tested = [r for r in results if "empty" not in r]
    drifted = sum(1 for r in tested if r["drifted"])
    share_threshold = options.get("share", 0.5)
    share = drifted / len(tested) if tested else 0.0
    case = {"name": name, "dtypes": {col: columns[col][0] for col in columns}, "reference": ref_json, "current": cur_json,
            "expected": {"columns": results, "driftedColumns": drifted, "testedColumns": len(tested),
                         "driftedShare": share, "drifted": bool(tested) and share >= share_threshold}}
    if options:
        case["options"] = options
    return case


def dataset_cases():
    c = []
    small = {
        "income": ("float64", normal(500, 201, loc=50.0, scale=10.0), normal(600, 202, loc=53.0, scale=10.0, missing=0.05)),
        "age": ("float64", normal(500, 203, loc=40.0, scale=8.0, round=0), normal(600, 204, loc=40.0, scale=8.0, round=0)),
        "city": ("string", categories(500, 205, CITIES[:4], missing=0.02), categories(600, 206, CITIES[:4], skew=True)),
        "member": ("bool", categories(500, 207, [True, False]), categories(600, 208, [True, False])),
        "children": ("int32", integers(500, 209, 4), integers(600, 210, 4)),
        "score": ("float64", uniform(500, 211), uniform(600, 212, loc=0.1)),
    }
    c.append(dataset_case("500 and 600 rows: tests, three columns of six drift (a share of exactly 0.5)", small))
    c.append(dataset_case("the same, some columns, methods and thresholds asked for", small,
                          {"columns": ["income", "city", "score"], "methods": {"income": "psi"}, "thresholds": {"score": 0.01}, "share": 0.3}))
    large = {
        "income": ("float64", normal(3000, 221, loc=50.0, scale=10.0), normal(2000, 222, loc=50.5, scale=10.0)),
        "city": ("string", categories(3000, 223, CITIES), categories(2000, 224, CITIES)),
        "children": ("int32", integers(3000, 225, 4), integers(2000, 226, 4, loc=1)),
        "visits": ("float64", integers(3000, 227, 30), integers(2000, 228, 30, loc=3)),
    }
    c.append(dataset_case("3000 and 2000 rows: distances, three columns of four drift", large))
    with_empty = {
        "income": ("float64", normal(400, 231), normal(400, 232, loc=0.5)),
        "blank": ("float64", normal(400, 233), [None] * 400),
        "city": ("string", categories(400, 234, CITIES[:3]), categories(400, 235, CITIES[:3])),
    }
    c.append(dataset_case("a column with nothing but missing values is reported, not counted", with_empty))
    return c


def main():
    fixture = {
        "generatedBy": "scripts/make-drift-fixtures.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
        "kstwo": kstwo_grid(),
        "ks": ks_cases(),
        "columns": column_cases(),
        "datasets": dataset_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT}: {len(fixture['kstwo'])} kstwo points, {len(fixture['ks'])} KS cases, "
          f"{len(fixture['columns'])} column cases, {len(fixture['datasets'])} data sets")


if __name__ == "__main__":
    main()
