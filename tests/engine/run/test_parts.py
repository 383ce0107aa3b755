"""parts.py: several rules' reports as one, each part's parameters named with its suffix."""

from gradcheck._engine.run.parts import Part, combine
from gradcheck.report import OracleRun, ParamReport, Report


def report(ok, name, fd_evals):
    p = ParamReport(name, (2,), "float64", "ok" if ok else "mismatch", trusted=("fd",))
    runs = [OracleRun("fd", "ran", evaluations=fd_evals), OracleRun("torch", "skipped", reason="not needed")]
    return Report(ok, "function", "", [p], runs, timings={"total_s": 1.0})


def test_a_single_part_is_its_own_report():
    r = report(True, "x", 4)
    assert combine([Part("", "hand-written backward", r)]) is r


def test_parts_are_named_by_suffix_and_the_failing_one_is_said():
    both = combine(
        [Part("", "hand-written backward", report(True, "x", 4)), Part(" (jvp)", "F.jvp", report(False, "x", 6))]
    )
    assert [p.name for p in both.params] == ["x", "x (jvp)"] and not both.ok
    assert both.verdict.startswith("gradient mismatch in x (jvp): F.jvp disagrees with fd")
    fd = next(o for o in both.oracles if o.name == "fd")
    assert fd.evaluations == 10 and both.timings == {"total_s": 2.0}
