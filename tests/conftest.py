import os

import pytest
import torch
from hypothesis import HealthCheck, settings

# Hypothesis profiles (select with HYPOTHESIS_PROFILE): 'ci' is derandomized and bounded, 'dev' explores more.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=10,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# torch's worker threads are created flushing denormals, the mode simulations.train asks for by
# default (simulations/batching.py: denormal_mode); the main thread then returns to IEEE arithmetic,
# which hypothesis needs to draw floats (train() sets and restores it around each block).
torch.set_flush_denormal(True)
torch.set_num_threads(min(2, torch.get_num_threads()))
(torch.ones(1 << 20) * 2).sum()  # a parallel op: creates the worker threads now, in this mode
torch.set_flush_denormal(False)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
