"""The split into batches: balanced chunks per shape group, sized from the configs alone, so the
same plan gives bit-identical numbers whatever the executor or the number of workers."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from simulations import preset
from theorycheck import Session
from theorycheck.engine.session import balanced_chunks, plan_batches


@given(st.integers(0, 500), st.integers(1, 64))
def test_chunks_are_the_fewest_and_differ_by_at_most_one(n, max_batch):
    sizes = balanced_chunks(n, max_batch)
    assert sum(sizes) == n
    assert len(sizes) == -(-n // max_batch)
    if sizes:
        assert max(sizes) <= max_batch and max(sizes) - min(sizes) <= 1


def test_a_group_of_40_is_cut_20_20_not_32_8():
    cfgs = [preset("tiny", seed=i, epochs=2) for i in range(40)]
    assert [len(b) for b in plan_batches(cfgs)] == [20, 20]


def test_groups_keep_their_shape_and_the_costliest_batch_comes_first():
    short = [preset("tiny", seed=i, epochs=2) for i in range(5)]
    long = [preset("tiny", seed=10 + i, epochs=9) for i in range(3)]  # other seeds: no shared trajectory
    batches = plan_batches(short + long, max_batch=2)
    # runs x iterations: 2 x 180, 1 x 180 (the long group), then 2 x 40, 2 x 40, 1 x 40
    assert [(len(b), b[0].steps) for b in batches] == [(2, 180), (1, 180), (2, 40), (2, 40), (1, 40)]
    for b in batches:
        assert len({c.batch_key for c in b}) == 1 and len({c.steps for c in b}) == 1
    flat = [c for b in batches for c in b]
    assert len(flat) == 8 and set(flat) == set(short + long)  # every config once


def test_inline_and_process_executors_give_identical_numbers():
    cfgs = [preset("tiny", seed=i, epochs=2, dtype="float32") for i in range(5)]  # chunks 2, 2, 1 at max_batch=2
    inline = Session(None, executor="inline", max_batch=2).run(cfgs)
    procs = Session(None, executor="process", workers=2, max_batch=2).run(cfgs)
    for c in cfgs:
        a, b = inline[c], procs[c]
        assert a.status == b.status
        for k in a.final:
            assert np.array_equal(a.final[k], b.final[k], equal_nan=True), k
        for k in a.trajectory:
            assert np.array_equal(a.trajectory[k], b.trajectory[k], equal_nan=True), k
