"""What one run returns: `RunResult`, the metric names it holds and the statuses it can end in.

Imports numpy only (no torch), so code that reads results need not load the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import Config

METRICS = (
    "train_loss",  # mean cross-entropy over the training set (the data term; no L2)
    "train_err",  # fraction of training points with F_y <= F_{-y} (ties count as errors)
    "test_err",  # the same on the n_test fresh points
    "train_ties",  # fraction of training points with F_y == F_{-y} exactly
    "test_ties",
    "feat_pos",  # max_r <w_{+1,r}, +v>
    "feat_neg",  # max_r <w_{-1,r}, -v>
    "noise_max",  # max_i max_r <w_{y_i,r}, xi_i>
    "noise_min",  # min_i max_r <w_{y_i,r}, xi_i>
    "noise_max_pos",  # the same over the training points of class +1 / -1 (docs/model.md §1 item 11)
    "noise_max_neg",
    "noise_min_pos",
    "noise_min_neg",
    "sign_agree",  # fraction of active coordinates with sgn(u_t) = sgn(g_t) (a diagnostic)
    "sign_agree_premise",  # the same on the coordinates meeting Lemma C.2's premise
    "step_premise",  # median |u_t| on those coordinates
    "sign_premise_frac",  # their share of the active coordinates
    "step_max",  # max |u_t| over every coordinate and filter (Lemma C.1 bounds it for Adam)
    "noise_resp",  # max_{j,r} sigma_p sqrt(s/(d-1)) ||w_{j,r}[2:]||: a test point's noise response scale (Lemma C.20)
    "dist_init",  # ||W - W_0||_F
    "grad_norm",  # max |entry| of the full-batch loss gradient (no L2)
)
FINAL_ONLY = (
    "g0_noise",  # step 0: median per-sample noise-gradient entry (1/B)|l| sigma'(<w,xi>) |xi[k]|
    "g0_feature",  # step 0: median per-sample feature-gradient entry (1/B)|l| sigma'(y w[1])
    "g0_below_eps",  # step 0: fraction of those noise entries below the run's eps
)
ERROR_METRICS = ("train_err", "test_err", "train_ties", "test_ties")  # NaN once a run diverged
STATUSES = ("ok", "diverged", "collapsed", "underflow", "saturated")
FAILURES = ("diverged", "underflow")  # numerical failures: RunResult.ok is False


@dataclass
class RunResult:
    """One run's outcome.

    status (checked at every record point; the first that applies wins, and it sticks):
      'diverged'   non-finite weights or loss;
      'collapsed'  every weight has shrunk to ~0 (max|W| <= 1e-6 sigma_0): logits ~0, loss ~log 2;
      'underflow'  the loss gradient is exactly zero in the run's dtype, but in float64 it would
                   still move the weights (a float32 artifact);
      'saturated'  the loss gradient is exactly zero, float64 would not move the weights either,
                   yet the training loss is above 1e-3 (e.g. a huge step size killed every unit);
      'ok'         none of these.
    trajectory: metric -> values at the record points, plus 'step' and 'epoch'; final: metric ->
    value at the last step, plus the step-0 entries FINAL_ONLY. weights (numpy, with
    keep_weights=True): 'W' and 'W0' of shape (2, m, d) (class slot 0 is j=+1), plus the
    optimizer's state ('m', 'v' for Adam).
    """

    config: Config
    status: str
    status_step: int | None  # first iteration at which the status was detected
    detail: str
    trajectory: dict[str, np.ndarray]
    final: dict[str, float]
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the numbers are the dynamics' own: status 'ok', or 'collapsed' / 'saturated' (real
        outcomes that float64 confirms). False for 'diverged' and 'underflow', whose numbers are
        numerical artifacts and must not be scored."""
        return self.status not in FAILURES
