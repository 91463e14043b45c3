"""Real-image runs (simulations.images, theorycheck.studies.images): loaders, models, optimizers,
batching, the engine seam and the Fig 1/2 rules, and the `images` command on tiny data."""

from __future__ import annotations

import gzip
import json
import math
import os
import pickle
import socket
import sqlite3
import struct
import sys

import numpy as np
import pytest
import torch

from simulations import ConfigError, RunResult
from simulations.images import ImageConfig, build, load, read_idx, train, write_cifar_fixture
from simulations.images.train import _Batch, dataset
from theorycheck.cli import main
from theorycheck.engine import Session, Store
from theorycheck.judge.verdicts import Tolerances
from theorycheck.studies import images as st

pytest.importorskip("sklearn")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("a loader tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as e:
        main(args)
    return int(e.value.code or 0)


# ---- loaders --------------------------------------------------------------------------------
def test_digits_counts_subsets_and_binary(no_network: None) -> None:
    ds = load("digits")
    assert ds.x_train.shape == (1297, 1, 8, 8) and ds.x_test.shape == (500, 1, 8, 8)
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0 and set(np.unique(ds.y_train)) == set(range(10))
    sub = load("digits", classes=(3, 5, 7), n_train=30)
    assert sub.classes == (3, 5, 7) and np.bincount(sub.y_train).tolist() == [10, 10, 10]
    b = load("digits", classes=(0, 1, 2, 3), binary=True)
    assert set(np.unique(b.y_train)) == {0, 1} and b.n_classes == 4  # two labels from four kept classes
    with pytest.raises(ConfigError) as e:
        load("digits", classes=(4,))
    assert e.value.param == "classes"


def test_cifar_fixture_loads_end_to_end_without_network(tmp_path: object, no_network: None) -> None:
    d = write_cifar_fixture(str(tmp_path / "cifar-10-batches-py"), n_per_batch=20)
    ds = load("cifar10", d)
    assert ds.x_train.shape == (100, 3, 32, 32) and ds.x_test.shape == (20, 3, 32, 32)
    with open(os.path.join(d, "data_batch_2"), "rb") as fh:
        raw = pickle.load(fh, encoding="bytes")
    np.testing.assert_array_equal(ds.x_train[20:40].reshape(20, -1), raw[b"data"] / np.float32(255))
    with pytest.raises(ConfigError) as e:  # a fixture is not the published data
        load("cifar10", d, md5=True)
    assert "data_batch_1" in e.value.rule and "md5" in e.value.rule


@pytest.mark.parametrize("damage", ["missing", "garbage", "wrong_shape", "label_count"])
def test_cifar_missing_or_corrupt_files_name_the_path(tmp_path: object, damage: str) -> None:
    d = write_cifar_fixture(str(tmp_path / f"c-{damage}"), n_per_batch=10)
    p = os.path.join(d, "data_batch_3")
    if damage == "missing":
        os.remove(p)
    elif damage == "garbage":
        open(p, "wb").write(b"not a pickle")
    else:
        data = np.zeros((10, 3072 if damage != "wrong_shape" else 100), np.uint8)
        labels = list(range(10 if damage != "label_count" else 9))
        pickle.dump({b"data": data, b"labels": labels}, open(p, "wb"))
    with pytest.raises(ConfigError) as e:
        load("cifar10", d)
    assert e.value.param == "data_dir" and p in e.value.rule


def _write_idx(path: str, arr: np.ndarray) -> None:
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(struct.pack(">I", n) for n in arr.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(head + arr.astype(np.uint8).tobytes())


def test_idx_folder_loads_and_truncation_is_caught(tmp_path: object, no_network: None) -> None:
    rng = np.random.default_rng(0)
    d = str(tmp_path)
    for split, n in (("train", 40), ("t10k", 20)):
        _write_idx(os.path.join(d, f"{split}-images-idx3-ubyte.gz"), rng.integers(0, 256, (n, 28, 28)))
        _write_idx(os.path.join(d, f"{split}-labels-idx1-ubyte.gz"), np.arange(n) % 10)
    ds = load("fashion", d)
    assert ds.x_train.shape == (40, 1, 28, 28) and ds.y_test.tolist() == (np.arange(20) % 10).tolist()
    p = os.path.join(d, "t10k-images-idx3-ubyte.gz")
    raw = gzip.open(p).read()
    with gzip.open(p, "wb") as fh:
        fh.write(raw[:-5])
    with pytest.raises(ConfigError) as e:
        read_idx(p, 3)
    assert "truncated" in e.value.rule and p in e.value.rule


@pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"), reason="dataset-fashion-mnist not installed"
)
def test_debian_fashion_mnist_counts_and_md5(no_network: None) -> None:
    ds = load("fashion", md5=True)
    assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
    assert np.bincount(ds.y_train).tolist() == [6000] * 10


# ---- models, optimizers, batching -------------------------------------------------------------
def test_model_shapes_including_the_paper_widths() -> None:
    x32 = torch.zeros(2, 3, 32, 32)
    for name in ("vgg16", "resnet18"):
        assert build(name, 3, 10)(x32).shape == (2, 10)
    assert sum(p.numel() for p in build("resnet18", 3, 10).parameters()) > 11_000_000  # ResNet18's 11.2M
    for name in ("vgg_small", "resnet_small"):
        assert build(name, 1, 10, 8)(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
        assert build(name, 1, 4, 8)(torch.zeros(3, 1, 28, 28)).shape == (3, 4)


@pytest.mark.parametrize("opt", ["adam", "adamw", "sgd"])
def test_optimizers_match_torch(opt: str) -> None:
    """adam = torch Adam(weight_decay=λ) (L2 in the gradient, eq. 3.3); adamw = torch AdamW (decoupled)."""
    c = ImageConfig(n_train=64, B=16, optimizer=opt, lam=0.05, eta=1e-2 if opt != "sgd" else 0.1, width=4)
    ds = dataset(c)
    run = _Batch([c], ds, torch.device("cpu"))
    torch.manual_seed(c.seed)
    net = build(c.model, 1, 10, c.width)
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[opt]
    kw = {"betas": (c.beta1, c.beta2), "eps": c.eps} if opt != "sgd" else {}
    ref = cls(net.parameters(), lr=c.eta, weight_decay=c.lam, **kw)
    x, y = torch.from_numpy(ds.x_train[:16]), torch.from_numpy(ds.y_train[:16])
    for t in range(1, 4):
        run.step(t, x[None], y[None])
        ref.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        ref.step()
    for name, p in net.named_parameters():
        torch.testing.assert_close(run.p[name][0], p.detach(), rtol=1e-4, atol=1e-6)


def test_batched_runs_equal_single_runs_and_seeds_repeat() -> None:
    cfgs = [
        ImageConfig(n_train=64, n_test=50, B=16, epochs=2, width=4, seed=s, eta=e) for s, e in ((0, 1e-2), (1, 3e-3))
    ]
    both = train(cfgs)
    for c, r in zip(cfgs, both, strict=True):
        alone = train([c])[0]
        np.testing.assert_allclose(r.trajectory["train_loss"], alone.trajectory["train_loss"], rtol=1e-4)
    again = train(cfgs)
    assert [r.final for r in again] == [r.final for r in both]


def test_image_training_keeps_ieee_numbers_after_a_synthetic_run_left_flushing_on() -> None:
    tiny = torch.finfo(torch.float32).tiny
    seen: list[bool] = []

    def probe(t: int, T: int) -> None:  # runs inside training, on the training thread
        seen.append(bool((torch.tensor(tiny) * 0.5).item() != 0.0))

    cfg = ImageConfig(n_train=32, B=8, width=4, iters=3)
    torch.set_flush_denormal(False)
    ieee = train(cfg)[0]
    torch.set_flush_denormal(True)  # what simulations.train leaves behind (docs/model.md §4.11)
    try:
        after = train(cfg, probe)[0]
    finally:
        torch.set_flush_denormal(False)
    assert seen == [True, True, True]  # denormals are kept during image training
    assert after.final == ieee.final


@pytest.mark.slow
def test_paper_width_model_trains_on_the_cifar_fixture(tmp_path: object) -> None:
    """The CIFAR-10 path end to end on CPU: the fixture, VGG16 with batch norm, two Adam steps."""
    d = write_cifar_fixture(str(tmp_path / "cifar-10-batches-py"), n_per_batch=4)
    c = ImageConfig(data="cifar10", data_dir=d, model="vgg16", n_train=8, n_test=4, B=4, iters=2, device="cpu")
    (r,) = train([c])
    assert r.status == "ok" and r.trajectory["step"].tolist()[-1] == 2 and 0 <= r.final["test_err"] <= 1


def test_bad_image_config_raises_named_error() -> None:
    for kw, param in (
        ({"B": 0}, "B"),
        ({"B": 5000}, "B"),
        ({"optimizer": "lion"}, "optimizer"),
        ({"beta1": 0.9, "beta2": 0.5}, "beta2"),
        ({"data": "mnist"}, "data"),
        ({"eta": -1.0}, "eta"),
    ):
        with pytest.raises(ConfigError) as e:
            ImageConfig(**kw)
        assert e.value.param == param


# ---- the engine seam: store, cache, code version ---------------------------------------------------
def test_session_stores_image_runs_and_resumes(tmp_path: object) -> None:
    sc = st.scale("tiny")
    plans = st.fig1_plans(replace_batches(sc), seeds=(0,), protocols=("iters",))
    path = str(tmp_path / "s.sqlite")
    first = Session(Store(path)).run(plans)
    assert first.stats.computed > 0
    again = Session(Store(path)).run(plans)
    assert again.stats.computed == 0 and again.stats.cached == again.stats.requested
    con = sqlite3.connect(path)
    cfg, seed, version = con.execute("SELECT config, seed, code_version FROM runs").fetchone()
    d = json.loads(cfg)
    assert d["kind"] == "images" and d["numerics"] and seed == 0 and version


def replace_batches(sc: st.Scale) -> st.Scale:
    from dataclasses import replace

    return replace(sc, batch_sizes=(8, 64), iters=4)


# ---- the train-to-target protocol, pooling and the late fields -----------------------------------
def test_until_train_err_stops_at_the_target_and_otherwise_runs_the_budget() -> None:
    base = ImageConfig(n_train=64, n_test=50, B=8, width=4, epochs=3, eta=1e-2)  # 8 steps per epoch
    early = train(base.replace(until_train_err=0.95))[0]  # reached at the first epoch's end
    assert early.final["reached"] == 1.0 and early.final["steps"] == 8.0 and early.final["epochs"] == 1.0
    assert early.trajectory["step"][-1] == 8  # the batch stopped there
    same = train(base.replace(iters=8))[0]
    for k in ("train_err", "test_err", "train_loss"):
        assert early.final[k] == pytest.approx(same.final[k], rel=1e-6)
    never = train(base.replace(until_train_err=0.0))[0]
    plain = train(base)[0]
    assert never.final["reached"] == 0.0 and never.final["steps"] == 24.0 and "reached" not in plain.final
    assert never.final["test_err"] == pytest.approx(plain.final["test_err"], rel=1e-6)
    with pytest.raises(ConfigError) as e:
        base.replace(until_train_err=1.5)
    assert e.value.param == "until_train_err"


def test_late_fields_keep_old_store_keys_and_pool_averages() -> None:
    c = ImageConfig(n_train=64, B=8)
    assert "pool" not in c.to_dict() and "until_train_err" not in c.to_dict()
    d = c.replace(pool=2, until_train_err=0.1).to_dict()
    assert d["pool"] == 2 and ImageConfig.from_dict(d) == c.replace(pool=2, until_train_err=0.1)
    full, half = dataset(c), dataset(c.replace(pool=2))
    assert half.x_train.shape[1:] == (1, 4, 4) and half.x_train.dtype == np.float32
    np.testing.assert_allclose(half.x_train[:, :, 0, 0], full.x_train[:, :, :2, :2].mean(axis=(2, 3)), rtol=1e-6)
    with pytest.raises(ConfigError) as e:
        dataset(c.replace(pool=3))
    assert e.value.param == "pool"


def test_zero_protocol_is_inconclusive_where_the_target_is_not_reached(tmp_path: object) -> None:
    from dataclasses import replace

    sc = replace(st.scale("tiny"), batch_sizes=(8, 64), zero_epochs=1.0)
    path = str(tmp_path / "s.sqlite")
    out = {}
    for tol in (0.95, 0.0):  # reached by every run at the first epoch's end / by none
        ps = st.fig1_plans(replace(sc, zero_tol=tol), seeds=(0, 1), protocols=("zero",))
        from theorycheck.judge.judge import judge_all

        out[tol] = st.gate_zero(judge_all(ps, Session(Store(path)).run(ps)))
    for j in out[0.95]:
        gate = [h for h in j.hypotheses if h.kind == "horizon" and "reaches train error" in h.name]
        assert gate and gate[0].holds and "not reached" not in j.reason
        assert st.reach_table(j) == {8: (6, 6, True), 64: (6, 6, True)}
    for j in out[0.0]:
        assert j.verdict == "inconclusive" and j.reason.startswith("not reached")
        assert "B=8, 64" in j.reason and "B=8: 0/6" in j.reason
        assert all(math.isnan(v) for c in j.claims for v in c.values)  # no B reached: nothing judged
    j = out[0.95][0]  # a pass whose control did not get there is no pass: the control cannot fail
    roles = {k: v["role"] for k, v in j.settings["arms"].items()}
    for name, rs in j.evidence.items():
        for r in rs if roles[name] == "control" else []:
            r.final["reached"] = 0.0
    j.verdict, j.reason = "consistent", "every claim holds"
    st.gate_zero([j])
    assert j.verdict == "inconclusive" and j.reason.startswith("the negative control did not reach")
    from theorycheck.reports import images as rep

    head, rows = rep.fig1_rows(out[0.0][0])
    assert head[2] == "reached" and [r[2] for r in rows] == ["0/6", "0/6"] and rows[0][3] == "-"


# ---- the rules ---------------------------------------------------------------------------------
def _fake(errs: dict, opt: str = "adam") -> dict[str, list[RunResult]]:
    """Arms 'B=.. lr#i' with the given test errors per replicate."""
    out = {}
    for (B, i), vals in errs.items():
        rs = []
        for s, e in enumerate(vals):
            c = ImageConfig(n_train=1024, B=B, eta=(1e-2, 3e-3, 1e-3)[i], seed=s, optimizer=opt)
            rs.append(RunResult(c, "ok", None, "", {}, {"test_err": e, "train_err": 0.0}))
        out[f"B={B} lr#{i}"] = rs
    return out


def _ctx(**base: object) -> st.Context:
    return st.Context("t", {}, (0, 1, 2), Tolerances(), dict(base))


def test_fig1_rule_passes_on_a_sharp_rise_and_fails_on_a_flat_curve() -> None:
    sharp = {8: 0.05, 32: 0.05, 128: 0.06, 512: 0.3, 1024: 0.5}
    runs = _fake({(B, i): [e + 0.01 * i + 0.002 * s for s in range(3)] for B, e in sharp.items() for i in range(3)})
    claims = st.fig1_rule(runs, _ctx())
    assert all(all(c.passes) for c in claims), [(c.name, c.values) for c in claims]
    assert "B*=128" in claims[0].rule
    flat = _fake({(B, i): [0.05 + 0.002 * s for s in range(3)] for B in sharp for i in range(3)})
    assert not all(all(c.passes) for c in st.fig1_rule(flat, _ctx()))
    dip = {**sharp, 1024: 0.1}  # a rise that falls back is not monotone
    runs = _fake({(B, i): [e + 0.002 * s for s in range(3)] for B, e in dip.items() for i in range(3)})
    assert not all(st.fig1_rule(runs, _ctx())[1].passes)


def _fake_lam(curves: dict) -> dict[str, list[RunResult]]:
    out = {}
    for opt, pts in curves.items():
        for lam, e in pts.items():
            c = ImageConfig(optimizer=opt, lam=lam, B=16)
            out[f"{opt} λ={lam:g}"] = [
                RunResult(c.replace(seed=s), "ok", None, "", {}, {"test_err": e}) for s in range(2)
            ]
    return out


def test_fig2_rule_needs_adam_to_degrade_inside_its_grid() -> None:
    adam = {lam: (0.05 if lam <= 1e-2 else 0.6) for lam in st.ADAM_LAMBDAS}
    adamw = {lam: 0.05 for lam in st.ADAMW_LAMBDAS}
    claims = st.fig2_rule(_fake_lam({"adam": adam, "adamw": adamw}), _ctx(reading="axis"))
    assert all(all(c.passes) for c in claims)
    assert claims[1].values[0] == pytest.approx(0.5 / 1e-2)
    # both robust everywhere: λ* differs only because the grids end differently; the first claim fails
    flat = {lam: 0.05 for lam in st.ADAM_LAMBDAS}
    claims = st.fig2_rule(_fake_lam({"adam": flat, "adamw": adamw}), _ctx(reading="axis"))
    assert not all(claims[0].passes)


# ---- the command ---------------------------------------------------------------------------------
def test_images_command_on_tiny_digits_and_cifar_fixture(tmp_path: object) -> None:
    store, out = str(tmp_path / "s.sqlite"), str(tmp_path / "rep" / "images.md")
    rc = _cli(["images", "all", "--scale", "tiny", "--seeds", "0", "--protocol", "iters", "--adamw-scale", "axis",
               "--inline", "--quiet", "--store", store, "--out", out])  # fmt: skip
    assert rc in (0, 1, 3)
    text = open(out).read()
    assert "images.fig1.adam.iters" in text and "images.fig2.axis" in text and "Negative control" in text
    figs = os.listdir(str(tmp_path / "rep" / "figures" / "images"))
    assert {"fig1_iters.png", "fig1_iters.pdf", "fig2_axis.png", "fig2_axis.pdf"} <= set(figs)
    d = write_cifar_fixture(str(tmp_path / "cifar-10-batches-py"), n_per_batch=40)
    rc = _cli(["images", "fig1", "--scale", "tiny", "--data", "cifar10", "--data-dir", d, "--protocol", "iters",
               "--seeds", "0", "--inline", "--quiet", "--store", store, "--format", "csv"])  # fmt: skip
    assert rc in (0, 1, 3)


@pytest.mark.parametrize(
    "extra",
    [
        ["--data", "cifar10", "--data-dir", "MISSING"],
        ["--data", "cifar10"],
        ["--data", "fashion", "--data-dir", "MISSING"],
        ["--scale", "nope"],
        ["--set", "eta=1"],
        ["--model", "alexnet"],
        ["--cell-seeds", "x"],
    ],
)
def test_images_command_bad_input_exits_2_and_writes_nothing(
    tmp_path: object, extra: list[str], capsys: pytest.CaptureFixture
) -> None:
    store = str(tmp_path / "s.sqlite")
    extra = [str(tmp_path / "nowhere") if a == "MISSING" else a for a in extra]
    args = ["images", "fig1", "--scale", "tiny", "--seeds", "0", "--inline", "--store", store, *extra]
    assert _cli(args) == 2
    assert os.listdir(str(tmp_path)) == []
    if "MISSING" not in extra and "--data-dir" in extra:
        assert "nowhere" in capsys.readouterr().err


def test_image_store_key_follows_image_numerics_not_the_synthetic_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    import simulations
    from simulations import Config
    from theorycheck.engine.store import config_key

    itrain = sys.modules["simulations.images.train"]  # the package exports the function train

    img, syn = ImageConfig(**st.scale("tiny").base), Config()
    k_img, k_syn = config_key(img), config_key(syn)
    assert img.numerics_version == f"images.{itrain.IMAGES_NUMERICS}"
    monkeypatch.setattr(simulations, "NUMERICS_VERSION", simulations.NUMERICS_VERSION + "-bumped")
    assert config_key(syn) != k_syn  # the synthetic runs' keys do follow their version ...
    assert config_key(img) == k_img  # ... an image run's key does not
    monkeypatch.undo()
    monkeypatch.setattr(itrain, "IMAGES_NUMERICS", itrain.IMAGES_NUMERICS + "-bumped")
    bumped = ImageConfig(**{**st.scale("tiny").base, "numerics": itrain.IMAGES_NUMERICS})
    assert config_key(bumped) != k_img and config_key(syn) == k_syn
    monkeypatch.undo()  # the stored provenance names the image numerics
    path = str(tmp_path / "s.sqlite")
    Session(Store(path)).run(st.fig1_plans(replace_batches(st.scale("tiny")), seeds=(0,), protocols=("iters",)))
    (version,) = sqlite3.connect(path).execute("SELECT DISTINCT code_version FROM runs").fetchone()
    assert version.endswith("+images." + itrain.IMAGES_NUMERICS)


# ---- Figs 7-10: cell by cell ---------------------------------------------------------------------
def test_cell_plans_one_run_per_arm_on_the_cell_grid_and_shared_with_figs_1_2() -> None:
    sc = st.scale("digits")
    ps = st.cell_plans("fig9", sc)
    assert len(ps) == 2 * len(st.PAPER_BETAS)
    assert {p.id for p in ps} >= {"images.fig9.adam.b0.5_0.95", "images.fig9.adamw.b0.9_0.99"}
    p = next(p for p in ps if p.id == "images.fig9.adam.b0.5_0.95")
    assert all(len(a.configs) == 1 for a in p.arms) and p.context.base["spread_floor"] == Tolerances().delta
    assert {a.configs[0].B for a in p.arms} == set(sc.cell_batch_sizes)
    for a in p.arms:  # the pair goes to Adam; SGD reads no β, so its control is seed 0's own runs
        c = a.configs[0]
        assert (c.beta1, c.beta2) == ((0.5, 0.95) if a.role == "regime" else st.DEFAULT_BETAS)
    # the default cells are runs of Figs 1-2 (seed 0), so a store that holds those serves them
    fig12 = {c for q in st.plans(["fig1", "fig2"], sc, (0, 1, 2), protocols=("epochs",)) for c in q.configs}
    default = [q for q in st.cell_plans("fig7", sc) + st.cell_plans("fig8", sc) if q.meta["cell"] == "s0"]
    assert {c for q in default for c in q.configs} <= fig12
    f8 = st.cell_plans("fig8", sc, seeds=(0, 3))
    assert [q.id for q in f8] == ["images.fig8.axis.s0", "images.fig8.axis.s3"]
    lams = {a.fields["lam_axis"] for a in f8[1].arms}
    assert lams == set(sc.cell_adam_lambdas) | set(sc.cell_adamw_lambdas)


def test_fig1_rule_spread_floor_for_one_run() -> None:
    rise = {8: 0.05, 32: 0.05, 128: 0.06, 512: 0.09, 1024: 0.12}  # a rise of 0.03-0.06 on one run
    runs = _fake({(B, i): [e + 0.01 * i] for B, e in rise.items() for i in range(3)})
    assert all(all(c.passes) for c in st.fig1_rule(runs, _ctx()))  # spread 0: any rise passes
    floored = st.fig1_rule(runs, _ctx(spread_floor=0.1))
    assert not floored[0].passes[0] and not floored[2].passes[0] and "spread 0.1" in floored[0].rule


def _cell_js(verdicts: dict[str, tuple[str, str]]) -> list:
    from theorycheck.judge.verdicts import Judgement

    return [
        Judgement(check_id=f"images.fig7.{k}.{c}", ref="", title="", verdict=v, reason="r",
                  meta={"cell_of": "fig7", "cell": c, "kind": k, "family": "seeds", "scale": "t"})
        for c, pair in verdicts.items() for k, v in zip(("adam", "adamw"), pair, strict=True)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "cells, verdict, passing",
    [
        ({"s0": ("violated", "consistent"), "s1": ("violated", "consistent")}, "consistent", [2, 2]),
        ({"s0": ("violated", "consistent"), "s1": ("consistent", "consistent")}, "violated", [1, 2]),
        ({"s0": ("violated", "consistent"), "s1": ("violated", "inconclusive")}, "inconclusive", [2, 1]),
        ({"s0": ("inconclusive", "consistent"), "s1": ("inconclusive", "consistent")}, "inconclusive", [2, 2]),
    ],
)
def test_cells_agree_compares_every_cell_with_the_default(cells: dict, verdict: str, passing: list) -> None:
    from theorycheck.reports import images as rep

    js = st.cells_agree(_cell_js(cells), seeds=(0, 1))
    top = [j for j in js if j.check_id == "images.fig7"]
    assert len(top) == 1 and top[0].verdict == verdict, top[0].reason
    if cells["s0"][0] == "inconclusive":  # an undecided default still says whether the cells read the same
        assert top[0].reason.endswith("every cell reads the same")
    assert [sum(c.passes) for c in top[0].claims] == passing
    assert all(c.not_separated for c in top[0].claims)  # the stated reason for no control of its own
    head, rows = rep.cells_rows(top[0])
    assert head[-1] == "same as the default" and rows[0][0] == "s0 (default)" and len(rows) == 2


def test_images_command_figs_7_10_on_tiny(tmp_path: object) -> None:
    store, out = str(tmp_path / "s.sqlite"), str(tmp_path / "rep" / "images.md")
    rc = _cli(["images", "figs7-10", "--scale", "tiny", "--cell-seeds", "0,1", "--inline", "--quiet", "--store", store,
               "--out", out])  # fmt: skip
    assert rc in (0, 1, 3)
    text = open(out).read()
    for fig in ("fig7", "fig8", "fig9", "fig10"):
        assert f"## images.{fig}:" in text
    assert "images.fig8.axis.s1" in text and "s0 (default)" in text and "b0.9_0.99 (default)" in text
    assert "## images.fig8.axis.s0" not in text  # cells are rows of their figure's section
    figs = set(os.listdir(str(tmp_path / "rep" / "figures" / "images")))
    assert {f"fig{n}.{ext}" for n in (7, 8, 9, 10) for ext in ("png", "pdf")} <= figs
    assert not any(f.startswith(("fig1_", "fig2_")) for f in figs)


def test_fig1_rule_spread_floor_also_bounds_the_monotone_check() -> None:
    dip = {8: 0.05, 32: 0.05, 128: 0.5, 512: 0.47, 1024: 0.6}  # a dip of 0.03 past B* on one run
    runs = _fake({(B, i): [e + 0.01 * i] for B, e in dip.items() for i in range(3)})
    assert st.fig1_rule(runs, _ctx())[1].values == [1]  # spread 0: the dip counts as a decrease
    assert st.fig1_rule(runs, _ctx(spread_floor=0.1))[1].values == [0]
