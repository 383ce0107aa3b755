"""The judge as a pure function: plain results in, verdicts out (no loss is ever called here)."""

from __future__ import annotations

import numpy as np

from gradcheck._engine.judge import judge, to_reexamine
from gradcheck._engine.judge.evidence import Claim, Evidence, Status, TaylorRun
from gradcheck._engine.oracles import EntryFD, OracleResult
from gradcheck._engine.oracles.taylor import TaylorResult
from gradcheck._engine.record.calls import Repeat

SAME = Repeat((1.0, 1.0), {}, {"w": 1.0}, {})


def fd_entries(values, errors=1e-10, sided=None):
    g = np.asarray(values, dtype=np.float64)
    s = np.full(g.shape + (2,), np.nan) if sided is None else np.asarray(sided, dtype=np.float64)
    return OracleResult("fd", "entries", grads=[g], errors=[np.full(g.shape, errors)], one_sided=[s])


def ad(name, values):
    return OracleResult(name, "entries", grads=[np.asarray(values, dtype=np.float64)])


def verdict(yours, results, repeat=SAME, **kw):
    claim = Claim(0, "w", "float64", np.asarray(yours, dtype=np.float64))
    return judge(Evidence((claim,), results, repeat, 1.0, **kw))


def test_agreeing_gradient_is_ok_and_a_wrong_entry_is_a_mismatch():
    assert verdict([1.0, 2.0], {"fd": fd_entries([1.0, 2.0])}).verdicts[0].status == Status.OK
    v = verdict([1.0, 2.1], {"fd": fd_entries([1.0, 2.0])}).verdicts[0]
    assert v.status == Status.MISMATCH and v.comparisons["fd"].bad_mask.tolist() == [False, True]


KINK = [[np.nan, np.nan], [0.0, 1.0]]  # entry 1: left slope 0, right slope 1


def test_at_a_kink_the_interval_decides_whatever_ad_chose():
    for mine in (0.0, 0.4, 1.0):
        v = verdict(
            [2.0, mine],
            {"fd": fd_entries([2.0, 0.5], sided=KINK), "torch": ad("torch", [2.0, 0.0]), "jax": ad("jax", [2.0, 0.0])},
        ).verdicts[0]
        assert v.status == Status.OK, mine
        assert [k.index for k in v.kinks] == [(1,)]
    v = verdict([2.0, 3.0], {"fd": fd_entries([2.0, 0.5], sided=KINK), "torch": ad("torch", [2.0, 0.0])}).verdicts[0]
    assert v.status == Status.MISMATCH and "outside" in v.kinks[0].position()


def test_positions_name_the_subgradient():
    v = verdict([2.0, 1.0], {"fd": fd_entries([2.0, 0.5], sided=KINK)}).verdicts[0]
    assert v.kinks[0].position() == "the right slope" and "right slope" in v.notes[0]


def test_fd_reexamination_of_a_kink_excuses_ad_only_there():
    probes = OracleResult("fd", "probes", probes=[])
    results = {"fd": probes, "torch": ad("torch", [2.0, 0.0, 5.0])}
    claim = Claim(0, "w", "float64", np.array([2.0, 1.0, 6.0]))
    assert to_reexamine((claim,), results, 1.0) == {0: [(1,), (2,)]}
    again = {0: (EntryFD((1,), 0.5, 1e-9, (0.0, 1.0)), EntryFD((2,), 5.0, 1e-9, None))}
    v = judge(Evidence((claim,), results, SAME, 1.0, reexamined=again)).verdicts[0]
    assert v.status == Status.MISMATCH  # entry 2 is smooth and fd agrees with torch: a real error
    assert v.comparisons["torch"].bad_mask.tolist() == [False, False, True]


def test_a_smooth_second_look_excuses_ad_only_where_it_tells_yours_from_ads():
    """fd's one-entry second look agrees with yours (6.0): it excuses AD's 5.0 when its error leaves 5.0 out; with an
    error spanning both (a loss in quanta), it cannot tell them apart: no verdict, with the entry named."""
    results = {"fd": OracleResult("fd", "probes", probes=[]), "torch": ad("torch", [2.0, 5.0])}
    claim = Claim(0, "w", "float64", np.array([2.0, 6.0]))

    def verdict_with(err):
        again = {0: (EntryFD((1,), 6.0, err, None),)}
        return judge(Evidence((claim,), results, SAME, 1.0, reexamined=again)).verdicts[0]

    assert verdict_with(1e-3).status == Status.OK
    v = verdict_with(0.3)  # 4 x 0.3 spans 5.0 and 6.0: no evidence either way
    assert v.status == Status.UNRESOLVED and "differ by up to 1 at (1,)" in v.message


def test_round_off_differences_are_noted_and_larger_ones_withhold():
    small = Repeat((1.0, 1.0), {"w": 1e-16}, {"w": 2.0}, {})
    j = verdict([1.0, 2.0], {"fd": fd_entries([1.0, 2.0])}, small)
    assert j.verdicts[0].status == Status.OK and not j.noise[0].withholds
    large = Repeat((1.0, 1.0), {"w": 1e-9}, {"w": 2.0}, {})
    j = verdict([1.0, 2.0], {"fd": fd_entries([1.0, 2.0])}, large)
    assert j.verdicts[0].status == Status.NONDETERMINISTIC and j.noise[0].withholds and j.noise[0].times > 1e3


def test_state_kept_between_calls_is_judged_on_the_first_call_not_withheld():
    stateful = Repeat((1.0, 1.0), {"w": 2.0}, {"w": 2.0}, {"w": "the same array, changed by the second call"})
    j = verdict([1.0, 2.0], {"fd": fd_entries([1.0, 2.0])}, stateful)
    assert j.verdicts[0].status == Status.OK and j.noise == ()


def taylor(verdict_, order, slope_error):
    return TaylorResult(order, verdict_, 1e-3, [1.0, 0.5, 0.25], [1.0, 0.5, 0.25], 0.0, 3, 0.05, slope_error)


def test_taylor_decides_only_what_fd_leaves_open():
    v = np.array([0.6, 0.8])
    loose = {"fd": fd_entries([1.0, 2.0], errors=1e-2)}  # fd's error is what lets yours pass
    wrong = {0: TaylorRun(taylor("wrong", 1.0, 1e-3), v)}
    assert verdict([1.0, 2.0], loose, taylor=wrong).verdicts[0].status == Status.MISMATCH
    contradicted = {0: TaylorRun(taylor("wrong", 1.0, 10.0), v)}  # a slope error fd's entries rule out
    out = verdict([1.0, 2.0], loose, taylor=contradicted).verdicts[0]
    assert out.status == Status.OK and "inconclusive" in out.notes[0]
    tight = {"fd": fd_entries([1.0, 2.0], errors=1e-12)}  # fd decides every entry
    assert verdict([1.0, 2.0], tight, taylor=wrong).verdicts[0].status == Status.OK
    consistent = {0: TaylorRun(taylor("consistent", 2.0, 0.0), v)}
    assert verdict([1.0, 2.5], tight, taylor=consistent).verdicts[0].status == Status.MISMATCH


def flat_fd(values, errors=0.0, flat=True):
    r = fd_entries(values, errors)
    r.flat = (flat,)
    return r


def test_rule_7_a_loss_fd_never_saw_move_withholds_only_where_fd_cannot_tell():
    # the loss never moved anywhere: fd's zeros say nothing about yours
    v = verdict([1e-3, -2e-3], {"fd": flat_fd([0.0, 0.0])}).verdicts[0]
    assert v.status == Status.UNRESOLVED and "add an AD oracle" in v.message
    # yours is zero within the tolerance (round-off of a loss of 1): fd's zero agrees
    assert verdict([1e-20, 0.0], {"fd": flat_fd([0.0, 0.0])}).verdicts[0].status == Status.OK
    # beside AD, fd is set aside for that reason and AD decides
    v = verdict([1e-3, -2e-3], {"fd": flat_fd([0.0, 0.0]), "torch": ad("torch", [1e-3, -2e-3])}).verdicts[0]
    assert v.status == Status.OK and "never saw the loss move" in v.set_aside["fd"]


def test_rule_7_does_not_excuse_a_gradient_for_a_parameter_the_loss_resolvably_ignores():
    claims = (Claim(0, "w", "float64", np.array([1.0, 2.0])), Claim(1, "b", "float64", np.array([0.1, 0.1])))
    fd = OracleResult(
        "fd",
        "entries",
        grads=[np.array([1.0, 2.0]), np.zeros(2)],
        errors=[np.full(2, 1e-10), np.full(2, 1e-12)],
        one_sided=[np.full((2, 2), np.nan)] * 2,
        flat=(False, True),  # the loss moved along w, with fine resolution, and not along b
    )
    repeat = Repeat((1.0, 1.0), {}, {"w": 1.0, "b": 1.0}, {})
    v = judge(Evidence(claims, {"fd": fd}, repeat, 1.0)).verdicts
    assert [x.status for x in v] == [Status.OK, Status.MISMATCH]


def test_a_loss_in_quanta_allows_the_cancellation_round_off_between_yours_and_ad_and_no_more():
    fd = fd_entries([10.0, 20.0], errors=0.5)
    fd.cancellation = (1e-3,)  # per unit of the parameter: 4 x 1e-3 allowed between yours and AD
    results = {"fd": fd, "torch": ad("torch", [10.0, 20.0])}
    assert verdict([10.003, 19.997], results).verdicts[0].status == Status.OK
    assert verdict([10.1, 20.0], results).verdicts[0].status == Status.MISMATCH  # 1%: far beyond it
    fd.cancellation = ()
    assert verdict([10.003, 19.997], results).verdicts[0].status == Status.MISMATCH  # no quantum: no allowance


def test_rule_7_beside_ad_an_allowance_that_would_pass_zeros_withholds_and_a_coarse_one_says_so():
    """A loss in quanta: 4 x cancellation allowed between yours and AD. Above AD's entries (zeros would pass) a pass
    that needed it is withheld, beyond it yours still fails, and yours matching AD to rtol needs none: a verdict.
    Below AD's entries it is a pass whose note says how coarse."""
    fd = fd_entries([0.1, 0.05], errors=0.5)
    fd.cancellation, fd.quantum = (0.03,), 1e-3  # allowance 0.12: above both entries
    results = {"fd": fd, "torch": ad("torch", [0.1, 0.05])}
    v = verdict([0.11, 0.05], results).verdicts[0]
    assert v.status == Status.UNRESOLVED and "a gradient of zeros would pass as well" in v.message
    assert "the loss is 1000 quanta of 0.001" in v.message
    assert verdict([0.3, 0.05], results).verdicts[0].status == Status.MISMATCH  # beyond the allowance
    assert verdict([0.1, 0.05], results).verdicts[0].status == Status.OK  # AD matched to rtol: no allowance needed
    fd.cancellation = (0.003,)  # allowance 0.012: about 11% of your largest entry (0.11)
    v = verdict([0.11, 0.05], results).verdicts[0]
    assert v.status == Status.OK and "w is resolved only to 11% of its largest entry" in v.notes[-1]  # bound / 0.11


def test_rule_7_a_loss_in_quanta_that_fd_resolves_no_finer_than_yours_withholds():
    fd = fd_entries([1e-3, 2e-3], errors=1e-2)  # fd's bound (4e-2) is above yours: it cannot tell yours from 0
    fd.cancellation = (1e-4,)
    v = verdict([1.1e-3, 2e-3], {"fd": fd}).verdicts[0]
    assert v.status == Status.UNRESOLVED and "fd's error here (0.04) would pass a gradient of zeros too" in v.message
    fd.cancellation = ()  # an ordinary loss: fd's honest error stands, and so does its verdict
    assert verdict([1.1e-3, 2e-3], {"fd": fd}).verdicts[0].status == Status.OK


def test_lower_precision_round_off_is_excused_only_where_your_code_at_float64_agrees():
    """float32 code whose entry 1 is all round-off (0 against 0.5): excused, since your code at float64 gives 0.5.
    The same code with a 3% logic error there (its float64 run gives 0.515) is not excused, though its float32
    round-off (0.515) is larger than the error: a logic error is in both runs."""
    results = {"fd": fd_entries([2.0, 0.5]), "torch": ad("torch", [2.0, 0.5])}

    def float32(yours, y64):
        claim = Claim(0, "w", "float32", np.asarray(yours, dtype=np.float64))
        return judge(Evidence((claim,), results, SAME, 1.0, own_roundoff={"w": np.asarray(y64)})).verdicts[0]

    assert float32([2.0, 0.0], [2.0, 0.5]).status == Status.OK
    v = float32([2.0, 0.0], [2.0, 0.515])
    assert v.status == Status.MISMATCH and v.comparisons["torch"].bad_mask.tolist() == [False, True]
