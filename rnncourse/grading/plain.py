"""Plain data: what a student's answers may be when they leave the student's process.

A check's ``collect`` half runs the student's code and returns its results; the
``judge`` half decides on them, when grading in another process. Between the
two the results travel as JSON built from numbers, strings, lists, dicts and
numeric NumPy arrays only, never pickles: decoding cannot run code, and a
forged file can at most claim values, which the judge then checks like any
others.
"""

import json

import numpy as np

ARRAY = "__ndarray__"
DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"}
MAX_DEPTH = 20


class NotPlainData(ValueError):
    """A value that cannot travel as plain data (a model, a function, a pickle...)."""


def encode(value, _depth=0):
    """``value`` as JSON-ready data; arrays become ``{"__ndarray__": {dtype, shape, data}}``."""
    if _depth > MAX_DEPTH:
        raise NotPlainData("the data are nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return [encode(item, _depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise NotPlainData("dictionary keys must be strings")
        return {key: encode(item, _depth + 1) for key, item in value.items()}
    if hasattr(value, "__array__") or isinstance(value, np.ndarray):
        array = np.asarray(value)
        if array.dtype.name not in DTYPES:
            raise NotPlainData(f"an array of dtype {array.dtype} is not plain numeric data")
        return {ARRAY: {"dtype": array.dtype.name, "shape": list(array.shape), "data": array.ravel().tolist()}}
    raise NotPlainData(f"a {type(value).__name__} is not plain data")


def decode(value, _depth=0):
    """The inverse of ``encode``, strict: anything but the plain types raises NotPlainData."""
    if _depth > MAX_DEPTH:
        raise NotPlainData("the data are nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(item, _depth + 1) for item in value]
    if isinstance(value, dict):
        if set(value) == {ARRAY}:
            return _decode_array(value[ARRAY])
        return {str(key): decode(item, _depth + 1) for key, item in value.items()}
    raise NotPlainData(f"a {type(value).__name__} is not plain data")


def _decode_array(spec):
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data"}:
        raise NotPlainData("a malformed array")
    if spec["dtype"] not in DTYPES:
        raise NotPlainData(f"arrays of dtype {spec['dtype']!r} are not accepted")
    shape = spec["shape"]
    if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise NotPlainData("a malformed array shape")
    data = spec["data"]
    if not isinstance(data, list) or not all(isinstance(item, (bool, int, float)) for item in data):
        raise NotPlainData("array data must be a flat list of numbers")
    if int(np.prod(shape)) != len(data):
        raise NotPlainData("array data do not fill the array's shape")
    return np.array(data, dtype=spec["dtype"]).reshape(shape)


def dumps(value):
    """One line of JSON (NaN and infinities allowed: a wrong answer may hold them)."""
    return json.dumps(encode(value), separators=(",", ":"))


def loads(text):
    return decode(json.loads(text))


def round_trip(value):
    """What the judge will see of ``value``: used in the notebook so both places judge the same data."""
    return loads(dumps(value))
