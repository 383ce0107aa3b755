"""function_jvp.py: which Fs bring a forward-mode rule, and the rule's part of check_function's report."""

import numpy as np
import torch

from gradcheck._engine.entry.function_jvp import has_rule
from gradcheck._engine.entry.function_torch import TorchFunction, defines_jvp, forward_ad


class NoJvp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        return 2 * g


class WithJvp(NoJvp):
    @staticmethod
    def jvp(ctx, t):
        return 2 * t


def test_only_an_f_that_defines_jvp_has_a_rule_to_check():
    assert not defines_jvp(NoJvp) and defines_jvp(WithJvp)
    assert not has_rule(TorchFunction(NoJvp, True)) and has_rule(TorchFunction(WithJvp, True))


def test_torch_forward_ad_calls_the_jvp_staticmethod():
    (out,) = forward_ad(TorchFunction(WithJvp, True), [np.array([1.0, 3.0])], [np.zeros(2)])
    assert out.tolist() == [2.0, 6.0] and out.dtype == np.float64
