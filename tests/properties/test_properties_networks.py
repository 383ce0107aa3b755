"""Property: every generated MLP's hand-written gradient agrees with fd, torch and jax, in float64 and float32."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck import check_grad
from gradcheck.nets import make_loss_and_grad
from gradcheck.strategies import batch_sizes, mlp_cases, mlp_specs

# Small widths and batches: the jax oracle compiles each primitive once per shape, so few shapes run fast.
SPECS = mlp_specs(max_layers=3, max_width=3)
CASES = mlp_cases(
    SPECS, batch_size=batch_sizes(max_size=3), dtype=st.sampled_from(("float64", "float32")), kink_margin=0.05
)


def test_every_generated_network_gradient_agrees_with_fd_torch_and_jax(all_oracles_agree, network_examples):
    seen = []

    @settings(max_examples=network_examples)
    @given(case=CASES)
    def check(case):
        report = check_grad(*make_loss_and_grad(case.spec), case.params, args=case.args, oracles=("fd", "torch", "jax"))
        all_oracles_agree(report)
        seen.append((case.spec, case.x.dtype.name))

    check()
    assert len(seen) >= network_examples
    covered = Counter(f for spec, dtype in seen for f in (spec.loss, spec.convention, spec.bias, dtype))
    if len(seen) >= 200:  # with this many draws, missing one of these 10 features has odds below 1e-30
        assert len(covered) == 3 + 2 + 3 + 2, covered  # every loss, convention, bias style and both dtypes ran
