"""_engine/rounding: the floor under a low-precision dtype's atol, and the words the report's tolerance line says."""

import numpy as np
import pytest

from gradcheck._engine.compare.rounding import floor, words
from gradcheck._engine.compare.tolerance import resolve_tolerance, roundoff_floor

pytest.importorskip("ml_dtypes")


def test_float32_and_float64_keep_the_sixteen_eps_floor():
    for dtype in ("float32", "float64"):
        assert floor(2.0, dtype) == roundoff_floor(2.0, float(np.finfo(dtype).eps))


@pytest.mark.parametrize("dtype, eps", [("bfloat16", 2.0**-7), ("float16", 2.0**-10)])
def test_low_precision_floor_is_one_eps_of_the_loss(dtype, eps):
    assert floor(-3.0, dtype) == eps * 3.0


def test_the_words_say_what_a_bfloat16_tolerance_allows_and_hides():
    assert words("bfloat16", resolve_tolerance("bfloat16")) == (
        "a right bfloat16 gradient (8 significant bits) is off by its rounding, 0.0039 of each entry plus a share "
        "of the largest entry from its sums, so entries are judged to 0.02 of themselves plus 0.02 of the largest "
        "entry, and your grad's own round-off (measured by running it on float64 params) is excused where that "
        "float64 run agrees; an error below the detection bound is not caught"
    )


def test_a_callers_atol_is_said_as_absolute_and_other_dtypes_get_no_words():
    assert "plus 0.001, and" in words("float16", resolve_tolerance("float16", atol=1e-3))
    assert words("float32", resolve_tolerance("float32")) is None
