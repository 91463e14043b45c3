"""Image data sets that install offline, behind one interface: `load(source, ...)` -> `ImageSet`.

* ``digits``: scikit-learn's 8x8 digits (1797 images, 10 classes; shipped inside the wheel).
* ``fashion``: Fashion-MNIST in IDX format (60,000 + 10,000 images, 28x28), from Debian's
  ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``) or any folder with the
  four IDX files (gzipped or not).
* ``cifar10``: a user-supplied ``cifar-10-batches-py`` folder (the Python pickle format).

No loader ever downloads: a missing or corrupt file raises `ConfigError('data_dir', ...)` naming the
path and what is wrong. `md5=True` also checks every file against the published sums (`KNOWN_MD5`).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import ConfigError

SOURCES = ("digits", "fashion", "cifar10")
FASHION_DIRS = ("/usr/share/datasets/fashion-mnist",)  # where Debian's dataset-fashion-mnist installs
FASHION_FILES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST = "test_batch"
# md5 sums: CIFAR-10's are the ones its authors publish (torchvision checks the same list); the
# Fashion-MNIST ones are of the .gz files of Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1
# (measured with md5sum on that package; its gzip stream differs from the upstream archive's).
KNOWN_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
    "train-images-idx3-ubyte.gz": "cf8536b0aa1a6ac5fa3f23001093305c",
    "train-labels-idx1-ubyte.gz": "10bea18fdb374794d4bb42e356e600c9",
    "t10k-images-idx3-ubyte.gz": "f78720b4224f21cce2f2ccf2d7a94c9a",
    "t10k-labels-idx1-ubyte.gz": "0d30e22e447f3c33dab9ed536400ac01",
}
FULL_COUNTS = {"digits": (1297, 500), "fashion": (60000, 10000), "cifar10": (50000, 10000)}
DIGITS_TEST = 500  # digits has no official split: a fixed permutation (seed 0) keeps 500 for testing


@dataclass(frozen=True)
class ImageSet:
    """Images as float32 (N, C, H, W) in [0, 1] and int64 labels 0..K-1 (after any class subset)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[int, ...]  # the original label of each class index

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]


def _bad(path: str, what: str) -> ConfigError:
    return ConfigError("data_dir", f"{path}: {what}")


def md5_of(path: str) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_md5(path: str) -> None:
    name = os.path.basename(path)
    want = KNOWN_MD5.get(name)
    if want is None:
        raise _bad(path, f"no published md5 sum for {name!r}; rerun without md5 checking")
    got = md5_of(path)
    if got != want:
        raise _bad(path, f"md5 {got} differs from the published {want}: the file is corrupt or another version")


# ---- digits -------------------------------------------------------------------------------------
def _digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ConfigError("data", "digits needs scikit-learn (pip install scikit-learn)") from None
    d = load_digits()
    x = (d.data.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = d.target.astype(np.int64)
    perm = np.random.default_rng(0).permutation(len(y))
    te, tr = perm[:DIGITS_TEST], perm[DIGITS_TEST:]
    return x[tr], y[tr], x[te], y[te]


# ---- IDX (Fashion-MNIST) ------------------------------------------------------------------------
def _find(folder: str, base: str) -> str:
    for name in (base, base + ".gz"):
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            return p
    raise _bad(os.path.join(folder, base), "missing (neither it nor its .gz is there)")


def read_idx(path: str, ndim: int) -> np.ndarray:
    """An IDX file (uint8 payload) as a numpy array; ConfigError naming the path when it is not one."""
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as e:
        raise _bad(path, f"unreadable ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != ndim:
        raise _bad(path, f"not an IDX file of {ndim} dimension(s) of uint8 (bad magic number)")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    start, size = 4 + 4 * ndim, int(np.prod(dims))
    if len(raw) - start != size:
        raise _bad(path, f"holds {len(raw) - start} bytes of data, its header says {size} ({dims}): truncated")
    return np.frombuffer(raw, np.uint8, offset=start).reshape(dims)


def _idx(folder: str, md5: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not os.path.isdir(folder):
        raise _bad(folder, "not a directory (install Debian's dataset-fashion-mnist or give --data-dir)")
    paths = {k: _find(folder, v) for k, v in FASHION_FILES.items()}
    if md5:
        for p in paths.values():
            _check_md5(p)
    arrs = {k: read_idx(p, 3 if k.endswith("_x") else 1) for k, p in paths.items()}
    for split in ("train", "test"):
        x, y = arrs[f"{split}_x"], arrs[f"{split}_y"]
        if len(x) != len(y):
            raise _bad(paths[f"{split}_y"], f"{len(y)} labels for {len(x)} images")
        if len(y) and y.max() > 9:
            raise _bad(paths[f"{split}_y"], f"label {int(y.max())} outside 0..9")
    out = []
    for split in ("train", "test"):
        x = arrs[f"{split}_x"].astype(np.float32)[:, None] / 255.0
        out += [x, arrs[f"{split}_y"].astype(np.int64)]
    return out[0], out[1], out[2], out[3]


# ---- CIFAR-10 pickles ---------------------------------------------------------------------------
def read_cifar_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
    """One `cifar-10-batches-py` pickle: (uint8 images (N, 3, 32, 32), int64 labels)."""
    if not os.path.isfile(path):
        raise _bad(path, "missing")
    try:
        with open(path, "rb") as fh:
            d = pickle.load(fh, encoding="bytes")
    except Exception as e:  # any unpickling failure means a corrupt file
        raise _bad(path, f"not a CIFAR-10 pickle ({type(e).__name__}: {e})") from None
    if not isinstance(d, dict):
        raise _bad(path, f"holds a {type(d).__name__}, not the CIFAR-10 batch dict")
    d = {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or "labels" not in d:
        raise _bad(path, f"lacks the 'data'/'labels' entries (has {sorted(d)})")
    x = np.asarray(d["data"])
    y = np.asarray(d["labels"], dtype=np.int64)
    if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != 3072:
        raise _bad(path, f"'data' is {x.dtype} of shape {x.shape}, expected uint8 rows of 3072 = 3x32x32")
    if len(y) != len(x):
        raise _bad(path, f"{len(y)} labels for {len(x)} images")
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise _bad(path, "labels outside 0..9")
    return x.reshape(-1, 3, 32, 32), y


def _cifar(folder: str, md5: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not os.path.isdir(folder):
        raise _bad(folder, "not a directory (give the cifar-10-batches-py folder with --data-dir)")
    names = (*CIFAR_TRAIN, CIFAR_TEST)
    for name in names:
        if not os.path.isfile(os.path.join(folder, name)):
            raise _bad(os.path.join(folder, name), "missing")
        if md5:
            _check_md5(os.path.join(folder, name))
    parts = [read_cifar_batch(os.path.join(folder, name)) for name in names]
    counts = {len(p[1]) for p in parts[:-1]}
    if len(counts) != 1:
        raise _bad(folder, f"the five training batches hold different counts {sorted(counts)}")
    xtr = np.concatenate([p[0] for p in parts[:-1]]).astype(np.float32) / 255.0
    ytr = np.concatenate([p[1] for p in parts[:-1]])
    return xtr, ytr, parts[-1][0].astype(np.float32) / 255.0, parts[-1][1]


@functools.lru_cache(maxsize=4)
def _raw(source: str, folder: str, md5: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if source == "digits":
        return _digits()
    if source == "fashion":
        return _idx(folder, md5)
    return _cifar(folder, md5)


def default_dir(source: str) -> str:
    if source == "fashion":
        return next((d for d in FASHION_DIRS if os.path.isdir(d)), FASHION_DIRS[0])
    return ""


def _take(x: np.ndarray, y: np.ndarray, n: int | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The first n examples of a fixed class-balanced interleaving (so a prefix stays balanced)."""
    if n is None or n >= len(y):
        return x, y
    per = [np.flatnonzero(y == c) for c in range(k)]
    order = np.array([i for row in zip(*per, strict=False) for i in row], dtype=np.int64)
    rest = np.setdiff1d(np.arange(len(y)), order)
    idx = np.concatenate([order, rest])[:n]
    return x[idx], y[idx]


def load(
    source: str,
    data_dir: str | None = None,
    classes: Sequence[int] | None = None,
    binary: bool = False,
    n_train: int | None = None,
    n_test: int | None = None,
    pad32: bool = False,
    md5: bool = False,
) -> ImageSet:
    """The data set `source` with an optional class subset, a binary version (the first half of
    the kept classes against the rest), the first n_train / n_test examples of a class-balanced
    order, and (pad32) images zero-padded and repeated to 3x32x32, CIFAR-10's shape."""
    if source not in SOURCES:
        raise ConfigError("data", f"must be one of {SOURCES}, got {source!r}")
    folder = data_dir or default_dir(source)
    if source == "cifar10" and not folder:
        raise ConfigError("data_dir", "cifar10 needs --data-dir pointing at a cifar-10-batches-py folder")
    xtr, ytr, xte, yte = _raw(source, os.path.abspath(folder) if folder else "", bool(md5))
    keep = tuple(range(10)) if classes is None else tuple(int(c) for c in classes)
    if len(keep) < 2 or len(set(keep)) != len(keep) or any(c < 0 or c > 9 for c in keep):
        raise ConfigError("classes", f"must be at least 2 distinct labels in 0..9, got {list(keep)}")
    remap = np.full(10, -1, dtype=np.int64)
    if binary:
        half = len(keep) // 2
        remap[list(keep[:half])], remap[list(keep[half:])] = 0, 1
    else:
        remap[list(keep)] = np.arange(len(keep))
    k = 2 if binary else len(keep)

    def pick(x: np.ndarray, y: np.ndarray, n: int | None) -> tuple[np.ndarray, np.ndarray]:
        m = remap[y] >= 0
        return _take(x[m], remap[y[m]], n, k)

    for name, v in (("n_train", n_train), ("n_test", n_test)):
        if v is not None and (not isinstance(v, int) or v < 2):
            raise ConfigError(name, f"must be an integer >= 2 (or unset for all), got {v!r}")
    xtr, ytr = pick(xtr, ytr, n_train)
    xte, yte = pick(xte, yte, n_test)
    if pad32:
        xtr, xte = to_cifar_shape(xtr), to_cifar_shape(xte)
    return ImageSet(source, np.ascontiguousarray(xtr), ytr, np.ascontiguousarray(xte), yte, keep)


def to_cifar_shape(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) with H, W <= 32 -> (N, 3, 32, 32): centred zero padding, channels repeated."""
    n, c, h, w = x.shape
    out = np.zeros((n, 3, 32, 32), dtype=np.float32)
    top, left = (32 - h) // 2, (32 - w) // 2
    out[:, :, top : top + h, left : left + w] = x if c == 3 else np.repeat(x, 3, axis=1)
    return out


def write_cifar_fixture(folder: str, n_per_batch: int = 20, seed: int = 0) -> str:
    """A tiny `cifar-10-batches-py` folder in the real pickle format (for tests and demos)."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in (*CIFAR_TRAIN, CIFAR_TEST):
        labels = [int(v) for v in (np.arange(n_per_batch) % 10)]
        data = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        with open(os.path.join(folder, name), "wb") as fh:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data}, fh, protocol=2)
    with open(os.path.join(folder, "batches.meta"), "wb") as fh:
        pickle.dump({b"label_names": [f"class{i}".encode() for i in range(10)]}, fh, protocol=2)
    return folder
