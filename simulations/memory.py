"""An upper estimate of the memory one `simulations.train` call allocates."""

from __future__ import annotations

from collections.abc import Iterable

from .batching import block_size
from .config import Config, ConfigError
from .optim import REGISTRY
from .train import as_configs


def estimate_bytes(configs: Config | Iterable[Config], keep_weights: bool = False) -> int:
    """An upper estimate of the peak bytes `train(configs, keep_weights=...)` allocates (host memory
    on CPU, device memory on CUDA), from the sizes of what it holds. Per block of runs advanced
    together: the weights, W_0, gradient buffer, optimizer state and sign history (K x 2m x d
    each), the dense noise patches the metrics use (K x n x d), the sparse data sets and one
    epoch's batch layout; then the larger of the per-step temporaries and the record-point
    temporaries (whole-set gradient, Lemma C.2 masks, the float64 underflow check, the chunked
    test evaluation). The problem draw (the top-s of N x (d-1) uniforms per seed) and the
    stacking of the data sets come before the block is allocated. Compare it with the memory you
    have before a big run."""
    cfgs = as_configs(configs)
    if not isinstance(keep_weights, bool):
        raise ConfigError("keep_weights", f"must be True or False, got {keep_weights!r}")
    c = cfgs[0]
    e = 8 if c.dtype == "float64" else 4
    K = min(len(cfgs), block_size(c, len(cfgs)))
    n_state = max(len(REGISTRY[x.optimizer].state) for x in cfgs)
    P = K * 2 * c.m * c.d  # entries of one (K, 2, m, d) tensor
    seeds = min(K, len({x.seed for x in cfgs}))
    xi = K * c.n * c.d  # entries of the dense noise patches
    held = (
        P * e * (3 + n_state)  # W, W0, G, optimizer state
        + P * 5  # sign history: int8 sign, int32 run length
        + xi * e  # dense noise patches for the metrics
        + (xi * e if 2 * c.B * c.s > c.d else 0)  # the epoch's dense batches (large B)
        + K * c.n * c.s * (8 + e) * 3  # training set, epoch layout and row numbers (sparse)
        + seeds * c.n_test * c.s * (8 + e)  # test sets (sparse)
    )
    step = 6 * P * e + 3 * K * c.B * c.s * 2 * c.m * e  # g, u, m/c1, sqrt(v), ...; the batch's gathered rows
    chunk = max(1, min(c.n_test, 4_000_000 // (c.d * K)))
    test_chunk = max(1, min(c.n_test, 4_000_000 // (c.s * K)))  # as metrics.held_out_errors
    record = (
        6 * P * e
        + 4 * P  # whole-set gradient, g and u (and their concatenation), |u|; masks
        + (xi + 2 * P) * 8  # float64 copies for the underflow check
        + 12 * K * 2 * c.m * c.n * e  # inner products and their activations
        + 2 * K * chunk * c.d * e
        + 8 * K * 2 * c.m * test_chunk * e  # one test chunk's inner products and activations
        + K * test_chunk * c.s * (2 * 8 + 2 * e)  # its supports, row numbers and values (metrics.held_out_errors)
    )
    # the problem draw: each seed's uniform keys and top-s work space while the sets drawn so far are
    # held, then the stacking of those sets, which briefly holds them twice
    data = seeds * (c.n + c.n_test) * (c.s * (8 + e) + 2 * e)
    draw = 2 * max(c.n, c.n_test) * (c.d - 1) * 4 + (c.n + c.n_test) * (c.s * 16 + 24)  # + float64 originals
    init = data + max(draw, data)
    keep = len(cfgs) * 2 * c.m * c.d * e * (2 + n_state) if keep_weights else 0  # numpy copies
    runtime = 64 * 2**20  # the runtime's own allocations on first use (kernels, thread pools, Python objects)
    return int(runtime + keep + max(init, held + max(step, record)))
