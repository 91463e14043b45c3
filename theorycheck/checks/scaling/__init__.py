"""Scaling checks: one module per result family, each registering `ScalingCheck`s (id FAMILY@PARAM)
in the one registry (checks.registry). A new scaling ladder is one new module here; the runner is
studies.scaling and the judging judge.slopes with judge.verdicts.decide."""
