"""SymPy symbols of the paper's parameters (docs/model.md §5, §11 glossary).

Every parameter is a positive real; counts (n, d, s, m, B, T) are also integers.
q >= 3 is encoded as ``q = 3 + q_excess`` would make q non-atomic, so instead q is
a positive integer symbol and the constraint q >= 3 lives in ``CONDITIONS["q_ge_3"]``
(SymPy has no "integer >= 3" assumption).

Extra symbol ``k``: the polylog power, polylog(n) := (log n)^k (docs/model.md §1 item 9).
"""

from __future__ import annotations

import sympy as sp

n = sp.Symbol("n", positive=True, integer=True)
d = sp.Symbol("d", positive=True, integer=True)
s = sp.Symbol("s", positive=True, integer=True)
sigma_p = sp.Symbol("sigma_p", positive=True)
alpha = sp.Symbol("alpha", positive=True)
sigma_0 = sp.Symbol("sigma_0", positive=True)
m = sp.Symbol("m", positive=True, integer=True)
q = sp.Symbol("q", positive=True, integer=True)  # q >= 3: see CONDITIONS["q_ge_3"]
eta = sp.Symbol("eta", positive=True)
beta1 = sp.Symbol("beta_1", positive=True)
beta2 = sp.Symbol("beta_2", positive=True)
eps = sp.Symbol("epsilon", positive=True)
lam = sp.Symbol("lambda", positive=True)
B = sp.Symbol("B", positive=True, integer=True)
T = sp.Symbol("T", positive=True)  # epochs; T = poly(n)/eta need not be an integer symbolically
k = sp.Symbol("k", nonnegative=True)  # polylog power (not a paper parameter)

#: Parameter-dict key -> symbol. Keys are the API contract used by other packages.
SYMBOLS: dict[str, sp.Symbol] = {
    "n": n,
    "d": d,
    "s": s,
    "sigma_p": sigma_p,
    "alpha": alpha,
    "sigma_0": sigma_0,
    "m": m,
    "q": q,
    "eta": eta,
    "beta1": beta1,
    "beta2": beta2,
    "eps": eps,
    "lam": lam,
    "B": B,
    "T": T,
}
#: Symbol -> key (inverse of SYMBOLS, plus k).
NAMES: dict[sp.Symbol, str] = {v: key for key, v in SYMBOLS.items()} | {k: "k"}

#: polylog(n) = (log n)^k — the hidden log factor of Θ̃/Õ/Ω̃ (docs/model.md §1 item 9).
POLYLOG = sp.log(n) ** k

#: Parameters that are absolute constants in the asymptotics (exponent 0 vs n).
CONSTANTS = ("q", "beta1", "beta2")
