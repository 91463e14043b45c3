"""Plans beyond the registered checks: the paper's experiment cells (reproduce), the reading
audit, the λ x B grid behind the bound-vs-empirical table and Figs 1-2, and free sweeps.
Each module only builds `Plan`s; the session runs them, the judge scores them, reports render.
"""
