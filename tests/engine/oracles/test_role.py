"""oracles/role.py: an oracle's role as a type; followed oracles share one translation."""

import numpy as np

from gradcheck._engine.oracles import OracleResult, Role


def test_roles_say_what_an_oracle_is_and_how_it_ran():
    assert not Role.FINITE_DIFFERENCES.is_ad and Role.EXACT_AD.is_ad and Role.FOLLOWED_AD.is_ad
    assert (Role.EXACT_AD.ran_as, Role.FOLLOWED_AD.ran_as, Role.FINITE_DIFFERENCES.ran_as) == (
        "as written",
        "numpy code followed",
        "",
    )
    assert OracleResult("fd", "entries").role is Role.FINITE_DIFFERENCES
    assert OracleResult("torch", "entries", grads=[np.zeros(1)]).role is Role.EXACT_AD
