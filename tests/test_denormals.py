"""Config.flush_denormal (docs/model.md §4.11): what it changes, and that threading never changes the numbers."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from simulations import preset, train
from simulations.batching import _main_flushes

TINY = np.finfo(np.float32).tiny
# long enough at this size for Adam's L2 pull to drive unused weights below the smallest normal float
CFG = preset("smoke", d=401, n=20, s=20, epochs=60, device="cpu", n_test=50)


def _denormal_fraction(x: np.ndarray) -> float:
    return float(((np.abs(x) < TINY) & (x != 0)).mean())


def test_flushing_removes_the_denormals_and_nothing_else():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # IEEE in a flushing process: one thread
        ieee = train(CFG.replace(flush_denormal=False), keep_weights=True)
    # counted in this (IEEE) thread: in a flushing one numpy would read the denormals as 0
    assert _denormal_fraction(ieee.weights["W"]) > 0.1  # the option has something to act on here
    ftz = train(CFG, keep_weights=True)
    assert not _main_flushes()  # train() restores the calling thread's mode
    for name in ("W", "m", "v"):
        assert _denormal_fraction(ftz.weights[name]) == 0, name
    # the entries concerned are ~1e-34 in both modes: every weight agrees to 1e-30
    np.testing.assert_allclose(ftz.weights["W"], ieee.weights["W"], rtol=1e-5, atol=1e-30)
    for k in ("train_loss", "train_err", "test_err"):
        assert ftz.final[k] == pytest.approx(ieee.final[k], rel=1e-5, abs=1e-9), k


_CHILD = r"""
import json, sys, warnings
import torch
order = sys.argv[1]
if order == "flush_first":
    torch.set_flush_denormal(True)
torch.set_num_threads(2)
(torch.rand(1 << 20) * 2).sum()          # creates torch's worker threads, in whatever mode is set now
from simulations import preset, train
cfg = preset("smoke", d=401, n=20, s=20, epochs=60, device="cpu", n_test=50)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    r = train(cfg, keep_weights=True)
print(json.dumps({"warned": any("one thread" in str(x.message) for x in w),
                  "threads_after": torch.get_num_threads(),
                  "W": r.weights["W"].ravel().tolist()[:4000:7]}))
"""


def _child(order: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, order], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.splitlines()[-1])


def test_threads_created_in_the_other_mode_fall_back_to_one_thread_with_the_same_numbers():
    """A process whose worker threads were created before flushing was switched on: train() warns,
    trains on one thread, restores the thread count, and gives the numbers of a process set up
    right (bit for bit)."""
    good, late = _child("flush_first"), _child("flush_late")
    assert not good["warned"] and late["warned"]
    assert late["threads_after"] == good["threads_after"] == 2
    assert late["W"] == good["W"]
