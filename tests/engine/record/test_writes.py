"""writes.py: the record of writes (inputs fail, dout and outputs warn), numpy's generator reseeded per call."""

import numpy as np

from gradcheck._engine.record.writes import Record, numpy_seed


def test_record_says_each_write_once_with_its_severity():
    record = Record()
    record.wrote("forward", ["x"]), record.wrote("forward", ["x"])
    record.dout, record.outputs = True, ["output"]
    found = [(h.name, h.fails) for h in record.health()]
    assert found == [("mutated_input", True), ("mutated_dout", False), ("mutated_output", False)]
    assert record.health()[0].message.startswith("forward wrote into its inputs (x)")


def test_numpy_seed_gives_the_same_draws_and_restores_the_generator():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    with numpy_seed(11):
        first = np.random.rand(3)
    with numpy_seed(11):
        second = np.random.rand(3)
    assert np.array_equal(first, second) and np.array_equal(np.random.get_state()[1], before)
