"""Lemma A.3 (initial scales) and Lemma A.4 (disjoint supports), by Monte Carlo against formulas.

These are property tests, not registered checks: a registered check is a Plan of simulation
runs judged by the public contract (regime arms and negative-control arms of `Config` runs
through `train`), and neither lemma is about training. Both lemmas speak of the draw of
W_0 and of the data, so the tests draw them with the package's own samplers
(`simulations.data.sample`, `initial_weights`, `problem`), many times over fixed seeds, and
compare what they measure with a closed-form distribution. Each claim is judged by one rule, and
the same rule is applied to a negative control that it must reject, so that it can fail.

Lemma A.3's magnitudes are a reconstruction (docs/model.md §7.4): here they are a property of the
implementation (the draws have the scales the proofs use), never a verdict on the paper.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy import stats

from bounds.conditions import evaluate
from simulations import data as D
from simulations import preset, problem

KS_PASS = 1e-3  # a Kolmogorov-Smirnov p-value above this: the draws follow the formula
KS_FAIL = 1e-6  # the negative control must be rejected at least this strongly


# ---- Lemma A.4 ---------------------------------------------------------------------------------
def p_disjoint(n: int, s: int, d: int) -> float:
    """P(n independent uniform s-subsets of [d] minus {1} are pairwise disjoint), exactly."""
    D_ = d - 1
    logp = sum(math.lgamma(D_ - i * s + 1) - math.lgamma(D_ - i * s - s + 1) for i in range(1, n))
    logp -= (n - 1) * (math.lgamma(D_ + 1) - math.lgamma(D_ - s + 1))
    return math.exp(logp)


def disjoint_rate(n: int, s: int, d: int, draws: int) -> float:
    """The fraction of training sets (Definition 3.1, independent supports) whose supports are disjoint."""
    hits = 0
    for k in range(draws):
        idx = D.sample(n, d, s, 0.1, 0.2, seed=k, stream=0).idx
        hits += int(torch.unique(idx).numel() == n * s)
    return hits / draws


def within(p_hat: float, p: float, draws: int, z: float = 4.0) -> bool:
    return abs(p_hat - p) <= z * math.sqrt(max(p * (1 - p), 1e-12) / draws)


@pytest.mark.paper("lemA.4", "def3.1")
@pytest.mark.parametrize("n,s,d", [(4, 2, 1025), (6, 3, 200), (10, 5, 2000)])
def test_lemma_A4_disjoint_probability_matches_its_formula(n, s, d):
    """The sampler's rate of disjoint supports equals the exact probability within 4 binomial
    standard errors; the same rule rejects the formula at s + 1 (the control)."""
    draws = 3000
    rate = disjoint_rate(n, s, d, draws)
    assert within(rate, p_disjoint(n, s, d), draws), (rate, p_disjoint(n, s, d))
    assert not within(rate, p_disjoint(n, s + 1, d), draws), (rate, p_disjoint(n, s + 1, d))


@pytest.mark.paper("lemA.4")
def test_lemma_A4_overlap_below_n_minus_2_exactly_where_its_condition_holds():
    """Lemma A.4: supports are pairwise disjoint with probability >= 1 - n^{-2}, under the
    condition bounds names `supports_disjoint_whp` (n^4 s^2 = O(d); docs/model.md §2). Where the
    condition holds the measured overlap rate (plus 4 standard errors) is below n^{-2}; the
    control (the same n, s with d 16 times smaller, where the condition fails) is above it."""
    n, s, draws = 4, 2, 3000
    for d, holds in ((n**4 * s**2 + 1, True), (n**4 * s**2 // 16 + 1, False)):
        cond = evaluate("supports_disjoint_whp", {"n": n, "s": s, "d": d})
        assert cond.holds == holds
        overlap = 1 - disjoint_rate(n, s, d, draws)
        assert abs(overlap - (1 - p_disjoint(n, s, d))) <= 4 * math.sqrt(overlap * (1 - overlap) / draws) + 1e-9
        bound = overlap + 4 * math.sqrt(overlap * (1 - overlap) / draws)
        assert (bound <= n**-2) == holds, (d, overlap, n**-2)


# ---- Lemma A.3 ---------------------------------------------------------------------------------
def _ks(u: np.ndarray) -> float:
    return stats.kstest(u, "uniform").pvalue


def init_extremes(draws: int, n: int, d: int, s: int, m: int, sigma_0: float, sigma_p: float) -> dict:
    """Per draw: max/min over the 2m filters of <w_{j,r}, v>, and max/min over (j, r, i) of
    <w_{j,r}, xi_i> / ||xi_i|| (alpha = 0, disjoint supports: every value is an independent
    N(0, sigma_0^2) draw given xi), and every ||xi_i||^2 / sigma_p^2."""
    out: dict = {"max_v": [], "min_v": [], "max_xi": [], "min_xi": [], "norm2": []}
    for k in range(draws):
        W = D.initial_weights(SimpleNamespace(seed=k, m=m, d=d, sigma_0=sigma_0))  # (2, m, d), as problem() draws it
        data = D.sample(n, d, s, sigma_p, 0.0, seed=k, stream=0, dtype=torch.float64, disjoint=True)
        xi = data.xi_dense()  # (n, d)
        norms = xi.norm(dim=1)
        z = torch.einsum("jrk,ik->jri", W, xi) / norms  # <w, xi_i> / ||xi_i||
        out["max_v"].append(W[:, :, 0].max().item())
        out["min_v"].append(W[:, :, 0].min().item())
        out["max_xi"].append(z.max().item())
        out["min_xi"].append(z.min().item())
        out["norm2"] += (norms**2 / sigma_p**2).tolist()
    return {k: np.array(v) for k, v in out.items()}


SIZES = dict(n=20, d=2001, s=50, m=5, sigma_0=0.05, sigma_p=0.1)


@pytest.fixture(scope="module")
def extremes() -> dict:
    return init_extremes(300, **SIZES)


@pytest.mark.paper("lemA.3")
def test_lemma_A3_feature_extremes_follow_their_formula(extremes):
    """max_{j,r} <w_{j,r}^(0), v> has CDF Phi(x/sigma_0)^{2m} and the min 1 - (1 - Phi(x/sigma_0))^{2m}
    (2m independent N(0, sigma_0^2)): the probability transforms are uniform (KS). Control: the
    same test with the scale 1.25 sigma_0 rejects."""
    N, s0 = 2 * SIZES["m"], SIZES["sigma_0"]
    for scale, good in ((s0, True), (1.25 * s0, False)):
        u_max = stats.norm.cdf(extremes["max_v"] / scale) ** N
        u_min = 1 - (1 - stats.norm.cdf(extremes["min_v"] / scale)) ** N
        for u in (u_max, u_min):
            p = _ks(u)
            assert (p > KS_PASS) if good else (p < KS_FAIL), (scale, p)


@pytest.mark.paper("lemA.3")
def test_lemma_A3_noise_extremes_follow_their_formula(extremes):
    """<w_{j,r}^(0), xi_i> = sigma_0 ||xi_i|| Z with ||xi_i||^2 = sigma_p^2 chi^2_s, so its scale is
    s^{1/2} sigma_p sigma_0: the max/min over the 2mn pairs of <w, xi_i>/||xi_i|| follow
    Phi(x/sigma_0)^{2mn}, and ||xi_i||^2/sigma_p^2 follows chi^2_s (KS). Controls: the scale
    1.25 sigma_0, and chi^2 with s/2 degrees of freedom, are rejected."""
    N, s0, s = 2 * SIZES["m"] * SIZES["n"], SIZES["sigma_0"], SIZES["s"]
    for scale, good in ((s0, True), (1.25 * s0, False)):
        u_max = stats.norm.cdf(extremes["max_xi"] / scale) ** N
        u_min = 1 - (1 - stats.norm.cdf(extremes["min_xi"] / scale)) ** N
        for u in (u_max, u_min):
            p = _ks(u)
            assert (p > KS_PASS) if good else (p < KS_FAIL), (scale, p)
    assert stats.kstest(extremes["norm2"], stats.chi2(s).cdf).pvalue > KS_PASS
    assert stats.kstest(extremes["norm2"], stats.chi2(s // 2).cdf).pvalue < KS_FAIL


@pytest.mark.paper("lemA.3")
def test_lemma_A3_magnitudes_at_the_smoke_preset():
    """At the smoke preset (alpha = 0.5 included), over 5 seeds: the largest and the most
    negative <w_{j,r}^(0), v> are Theta~(sigma_0), and those of <w_{j,r}^(0), xi_i> are
    Theta~(s^{1/2} sigma_p sigma_0), read by the package's convention (docs/model.md §1 item 9:
    Theta~(y) holds when y (log n) / rho <= |value| <= rho y (log n), rho = 4). Controls: the
    magnitudes the proofs would have with a variance for a scale (sigma_0^2) or without the square
    root (s sigma_p sigma_0) fail the same rule."""
    rho = 4.0

    def theta_tilde(value: float, y: float, n: int) -> bool:
        r = abs(value) / (y * math.log(n))
        return 1 / rho <= r <= rho

    for seed in range(5):
        cfg = preset("smoke", seed=seed)
        p = problem(cfg)
        W, xi = p.W0.to(torch.float64), p.train.xi_dense().to(torch.float64)
        v = W[:, :, 0]
        ip = torch.einsum("jrk,ik->jri", W, xi)
        s_scale = math.sqrt(cfg.s) * cfg.sigma_p * cfg.sigma_0
        for value in (v.max().item(), v.min().item()):
            assert theta_tilde(value, cfg.sigma_0, cfg.n), (seed, value)
            assert not theta_tilde(value, cfg.sigma_0**2, cfg.n)
        for value in (ip.max().item(), ip.min().item()):
            assert theta_tilde(value, s_scale, cfg.n), (seed, value)
            assert not theta_tilde(value, cfg.s * cfg.sigma_p * cfg.sigma_0, cfg.n)
