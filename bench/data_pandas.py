"""pandas' side of bench/data.ts: the same files, the same operations, the same protocol.

bench/data.ts runs this script with /usr/bin/python3 and one argument, a JSON
object whose "mode" says what to do:

  {"mode": "probe"}
      the versions of pandas, numpy and joblib, and which Parquet engine
      pandas has (pyarrow, fastparquet, or none, with why);
  {"mode": "bench", "csv": path, "flightsParquet": path,
   "flightsCsv": path or null, "joblibDir": path, "runs": 3, "warmups": 1,
   "cacheRuns": 15, "cacheWarmups": 2, "cacheRows": 100000}
      1. pd.read_csv of the 1M-row CSV and df.groupby('group')['x'].mean();
      2. flights-3m: pd.read_parquet (all columns; the two columns the
         tensor needs), the group-by on origin (mean and count of delay) and
         df[['delay', 'distance']].to_numpy(np.float32). Without a Parquet
         engine, pd.read_parquet's error is reported and the same rows are
         read from "flightsCsv" (which bench/data.ts wrote from the Parquet
         file with DuckDB) so that the in-memory figures still exist;
      3. joblib.dump of the first cacheRows rows of flights (origin and
         destination as category, as pipelab holds them) and joblib.load of
         the file, which was just written (a warm read from the OS page cache);
  {"mode": "rss", "flightsParquet": path, "flightsCsv": path or null}
      the 3M-row flow once (read all columns, group-by, two columns to a
      float32 array) and the process's peak RSS (VmHWM, as for pipelab;
      ru_maxrss too, which Linux inherits from the forking process).

Every timing is the median of "runs" samples after "warmups" warm-ups, with a
gc.collect() before each sample, outside the timing. It prints one JSON
object to stdout (progress lines go to stderr). When pandas cannot be
imported it prints {"available": false, "reason": ...} and exits 0.
"""
import gc
import json
import os
import resource
import statistics
import sys
import time


def progress(line):
    print(f"[bench data:pandas] {line}", file=sys.stderr, flush=True)


def sample(once, runs, warmups, gc_first=True):
    """Runs once() warmups + runs times; once returns (seconds, result). Returns the timed ms and the last result."""
    samples, result = [], None
    for i in range(warmups + runs):
        if gc_first:
            gc.collect()
        seconds, result = once()
        if i >= warmups:
            samples.append(round(seconds * 1000, 3))
    return samples, result


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def med(samples):
    return round(statistics.median(samples), 3)


def parquet_engine():
    """The engine pd.read_parquet would use, or None with why."""
    reasons = []
    for name in ("pyarrow", "fastparquet"):
        try:
            module = __import__(name)
            return {"name": name, "version": getattr(module, "__version__", "?")}, None
        except ImportError as error:
            reasons.append(f"{name}: {error}")
    return None, "; ".join(reasons) + " (Debian: apt-get install python3-pyarrow)"


def peak_rss_mb():
    """VmHWM of /proc/self/status: the peak of this process image alone.

    ru_maxrss is not: Linux carries the high-water mark of the process that
    forked this one across fork and exec, so a child of a large node process
    starts with that process's peak (see ru_maxrss_mb).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return ru_maxrss_mb()


def ru_maxrss_mb():
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def read_flights(pd, spec, columns=None):
    """flights-3m as pandas reads it: from the Parquet file, else from the CSV copy (said in 'source')."""
    try:
        return pd.read_parquet(spec["flightsParquet"], columns=columns), "parquet", None
    except Exception as error:  # ImportError from pandas without an engine, or a reader error
        failure = f"{type(error).__name__}: {error}"
    if not spec.get("flightsCsv"):
        return None, None, failure
    df = pd.read_csv(spec["flightsCsv"], usecols=columns, parse_dates=["date"] if columns is None or "date" in columns else None)
    return df, "csv", failure


def probe():
    import numpy as np
    import pandas as pd

    engine, why = parquet_engine()
    try:
        import joblib

        joblib_version = joblib.__version__
    except ImportError as error:
        joblib_version = None
        why_joblib = f"{error} (Debian: apt-get install python3-joblib)"
    result = {
        "available": True,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "parquetEngine": engine,
        "joblib": joblib_version,
    }
    if engine is None:
        result["parquetEngineMissing"] = why
    if joblib_version is None:
        result["joblibMissing"] = why_joblib
    return result


def bench_csv(pd, spec):
    runs, warmups = spec["runs"], spec["warmups"]
    progress(f"pd.read_csv {spec['csv']} ({warmups} warm-up + {runs} samples)")
    df = None

    def read():
        nonlocal df
        df = None
        gc.collect()
        seconds, frame = timed(lambda: pd.read_csv(spec["csv"]))
        df = frame
        return seconds, None

    read_samples, _ = sample(read, runs, warmups, gc_first=False)
    progress("df.groupby('group')['x'].mean()")
    group_samples, means = sample(lambda: timed(lambda: df.groupby("group")["x"].mean()), runs, warmups)
    return {
        "shape": list(df.shape),
        "dtypes": {c: str(t) for c, t in df.dtypes.items()},
        "readMs": med(read_samples),
        "groupbyMs": med(group_samples),
        "means": {str(k): float(v) for k, v in means.items()},
        "samples": {"readMs": read_samples, "groupbyMs": group_samples},
    }


def bench_parquet(pd, np, spec):
    runs, warmups = spec["runs"], spec["warmups"]
    out = {}
    samples = {}
    read_s, (df, source, failure) = timed(lambda: read_flights(pd, spec))
    if failure is not None:
        out["readParquetFailed"] = failure
        progress(f"pd.read_parquet failed: {failure}")
    if df is None:
        out["available"] = False
        return out, None
    out["available"] = True
    out["source"] = source
    if source == "parquet":
        del df
        progress("pd.read_parquet (all columns)")

        def read_all():
            return timed(lambda: pd.read_parquet(spec["flightsParquet"]))

        samples["readMs"], df = sample(read_all, runs, warmups)
        progress("pd.read_parquet(columns=[origin, delay]) + groupby, from the file")
        samples["groupbyFromFileMs"], _ = sample(
            lambda: timed(lambda: pd.read_parquet(spec["flightsParquet"], columns=["origin", "delay"]).groupby("origin")["delay"].agg(["mean", "count"])), runs, warmups
        )
        progress("pd.read_parquet(columns=[delay, distance]).to_numpy(np.float32)")
        samples["toNumpyFromFileMs"], _ = sample(
            lambda: timed(lambda: pd.read_parquet(spec["flightsParquet"], columns=["delay", "distance"])[["delay", "distance"]].to_numpy(np.float32)), runs, warmups
        )
    else:
        out["note"] = "no Parquet engine: the same 3M rows read once from a CSV copy that bench/data.ts wrote with DuckDB (readCsvOnceMs, not comparable); only the in-memory figures compare with pipelab's"
        out["readCsvOnceMs"] = round(read_s * 1000, 3)
    out["shape"] = list(df.shape)
    out["dtypes"] = {c: str(t) for c, t in df.dtypes.items()}
    progress("df.groupby('origin')['delay'].agg(['mean', 'count']) (in memory)")
    samples["groupbyMs"], by_origin = sample(lambda: timed(lambda: df.groupby("origin")["delay"].agg(["mean", "count"])), runs, warmups)
    progress("df[['delay', 'distance']].to_numpy(np.float32) (in memory)")
    samples["toNumpyMs"], matrix = sample(lambda: timed(lambda: df[["delay", "distance"]].to_numpy(np.float32)), runs, warmups)
    out["groups"] = int(len(by_origin))
    out["matrixShape"] = list(matrix.shape)
    for key, values in samples.items():
        out[key] = med(values)
    out["samples"] = samples
    return out, df


def bench_joblib(pd, flights, spec):
    try:
        import joblib
    except ImportError as error:
        return {"available": False, "reason": f"cannot import joblib: {error} (Debian: apt-get install python3-joblib)"}
    if flights is None:
        return {"available": False, "reason": "flights could not be read (see parquet)"}
    frame = flights.head(spec["cacheRows"]).copy()
    for c in ("origin", "destination"):
        frame[c] = frame[c].astype("category")
    path = os.path.join(spec["joblibDir"], "flights-100k.joblib")
    progress(f"joblib.dump of {len(frame)} rows to {path}")
    dump_s, _ = timed(lambda: joblib.dump(frame, path))
    size = os.path.getsize(path)
    progress(f"joblib.load ({spec['cacheWarmups']} warm-ups + {spec['cacheRuns']} samples, no gc between)")
    load_samples, loaded = sample(lambda: timed(lambda: joblib.load(path)), spec["cacheRuns"], spec["cacheWarmups"], gc_first=False)
    if not loaded.equals(frame):
        raise RuntimeError("joblib.load returned a different frame")
    load_ms = med(load_samples)
    return {
        "available": True,
        "joblib": joblib.__version__,
        "rows": len(frame),
        "dtypes": {c: str(t) for c, t in frame.dtypes.items()},
        "frameMemoryBytes": int(frame.memory_usage(deep=True).sum()),
        "bytes": size,
        "dumpMs": round(dump_s * 1000, 3),
        "loadMs": load_ms,
        "MBps": round(size / 2**20 / (load_ms / 1000), 1),
        "samples": {"loadMs": load_samples},
    }


def bench(spec):
    import numpy as np
    import pandas as pd

    result = probe()
    result["csv"] = bench_csv(pd, spec)
    gc.collect()
    parquet, flights = bench_parquet(pd, np, spec)
    result["parquet"] = parquet
    result["joblib"] = bench_joblib(pd, flights, spec)
    return result


def rss(spec):
    import numpy as np
    import pandas as pd

    after_imports = peak_rss_mb()
    started = time.perf_counter()
    df, source, failure = read_flights(pd, spec)
    if df is None:
        return {"available": False, "reason": failure}
    by_origin = df.groupby("origin")["delay"].agg(["mean", "count"])
    matrix = df[["delay", "distance"]].to_numpy(np.float32)
    seconds = time.perf_counter() - started
    out = {
        "available": True,
        "source": source,
        "rows": len(df),
        "groups": int(len(by_origin)),
        "matrixShape": list(matrix.shape),
        "flowMs": round(seconds * 1000, 1),
        "peakRssAfterImportsMB": after_imports,
        "peakRssMB": peak_rss_mb(),
        "ruMaxrssMB": ru_maxrss_mb(),
        "measure": "VmHWM of /proc/self/status at the end of the flow, as for pipelab; ruMaxrssMB is getrusage(RUSAGE_SELF).ru_maxrss, which on Linux also holds the peak of the node process that forked this one (so it can exceed peakRssMB)",
    }
    if failure is not None:
        out["readParquetFailed"] = failure
        out["note"] = "no Parquet engine: read from the CSV copy, whose parse peaks differently from read_parquet's"
    return out


def main():
    spec = json.loads(sys.argv[1])
    try:
        import numpy  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as error:
        print(json.dumps({"available": False, "reason": f"cannot import pandas with {sys.executable}: {error} (Debian: apt-get install python3-pandas)"}))
        return
    mode = spec.get("mode")
    if mode == "probe":
        result = probe()
    elif mode == "bench":
        result = bench(spec)
    elif mode == "rss":
        result = rss(spec)
    else:
        raise SystemExit(f"unknown mode {mode!r}: use probe, bench or rss")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
