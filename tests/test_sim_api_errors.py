"""Bad input to the public simulations functions is a ConfigError naming the parameter, never an
AttributeError or TypeError from deep inside."""

import pytest

from simulations import Config, ConfigError, estimate_bytes, preset, problem, resolve_device, train
from simulations.reference import train_reference

CFG = preset("tiny", epochs=1)

CASES = [
    ("configs", lambda: train("smoke")),
    ("configs", lambda: train(None)),
    ("configs", lambda: train(3)),
    ("configs", lambda: train([CFG, "smoke"])),
    ("configs", lambda: train([])),
    ("configs", lambda: train({"d": 10})),
    ("progress", lambda: train(CFG, progress=3)),
    ("keep_weights", lambda: train(CFG, keep_weights="yes")),
    ("block", lambda: train(CFG, block=0)),
    ("block", lambda: train(CFG, block=2.5)),
    ("configs", lambda: estimate_bytes("smoke")),
    ("keep_weights", lambda: estimate_bytes(CFG, keep_weights=None)),
    ("cfg", lambda: problem("smoke")),
    ("cfg", lambda: train_reference({"d": 10})),
    ("preset", lambda: preset(["smoke"])),
    ("preset", lambda: preset(None)),
    ("foo", lambda: Config(foo=1)),
    ("", lambda: Config(**{"": 1})),
    ("foo", lambda: CFG.replace(foo=1)),
    ("device", lambda: resolve_device(0)),
    ("d", lambda: Config(d="1000")),
]


@pytest.mark.parametrize(("param", "call"), CASES, ids=[f"{i}-{p or 'empty'}" for i, (p, _) in enumerate(CASES)])
def test_bad_input_names_the_parameter(param, call):
    with pytest.raises(ConfigError) as e:
        call()
    assert e.value.param == param
    assert f"parameter '{param}'" in str(e.value)


def test_a_sequence_of_configs_still_trains():
    one = train(CFG)
    two = train((CFG, CFG.replace(seed=1)))
    assert one.config == CFG and [r.config.seed for r in two] == [0, 1]
