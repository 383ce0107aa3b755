"""oracles/__init__.py: which oracles can run here and why not, an AD result's fields, skip reasons cut to one
line, and whether two evaluations of the loss agree up to round-off."""

import time

import numpy as np

from gradcheck._engine import oracles
from gradcheck._engine.oracles import ad_result, missing, oracle_module, same_value, short_message


def test_missing_says_why_an_oracle_cannot_be_imported_and_how_to_install_it():
    assert missing("fd") is None
    assert (
        missing("no_such_framework") == "no_such_framework not installed (pip install -c constraints.txt "
        "'gradcheck[no_such_framework]': the pinned CPU builds, see README \"Set-up on a fresh machine\")"
    )
    assert oracle_module("fd").NAME == "fd" and oracle_module("torch").NAME == "torch"


def test_an_ad_result_holds_every_entry_from_one_evaluation():
    r = ad_result("torch", [np.ones(2)], 1.5, "torch autograd", time.perf_counter(), cached=True)
    assert (r.name, r.mode, r.evaluations, r.value, r.cached, r.method) == (
        "torch",
        "entries",
        1,
        1.5,
        True,
        "torch autograd",
    )
    assert r.seconds >= 0 and r.errors is None and r.probes == []


def test_short_message_is_the_first_line_cut_to_120_characters():
    assert short_message(ValueError("shapes differ\nTraceback...")) == "shapes differ"
    long = short_message(ValueError("x" * 200))
    assert long == "x" * 120 + "..."
    assert short_message(ValueError("")) == ""


def test_same_value_allows_round_off_only():
    eps = float(np.finfo(np.float64).eps)
    assert same_value(1.0 + 100 * eps, 1.0, eps) and not same_value(1.0 + 1e-10, 1.0, eps)
    assert same_value(1.0 + 1e-5, 1.0, float(np.finfo(np.float32).eps))  # a float32 loss's precision
    assert same_value(np.nan, np.nan, eps) and same_value(np.inf, np.inf, eps)
    assert not same_value(np.nan, 1.0, eps) and not same_value(np.inf, -np.inf, eps)
    assert oracles.ORACLE_NAMES == ("fd", "torch", "jax") and oracles.AD_ORACLES == ("torch", "jax")
