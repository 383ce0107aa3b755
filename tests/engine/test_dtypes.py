"""_engine/dtypes: which dtypes carry a gradient (numpy floats, ml_dtypes' bfloat16, complex)."""

import numpy as np
import pytest

from gradcheck._engine.dtypes import is_complex, is_real_floating, name

ml_dtypes = pytest.importorskip("ml_dtypes")


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, ml_dtypes.bfloat16, "bfloat16"])
def test_real_floating_dtypes_include_bfloat16(dtype):
    assert is_real_floating(dtype) and not is_complex(dtype)


@pytest.mark.parametrize("dtype", [np.int64, bool, np.complex128, object, "not a dtype", ml_dtypes.int4])
def test_other_dtypes_are_not_real_floating(dtype):
    assert not is_real_floating(dtype)


def test_complex_dtypes_are_complex():
    assert is_complex(np.complex64) and is_complex("complex128") and not is_complex(np.float64)
    assert not is_complex("not a dtype")


def test_a_dtype_is_named_as_reports_print_it():
    assert name(ml_dtypes.bfloat16) == "bfloat16" and name(np.float32) == "float32"
