"""Tracebacks that stay on the user's code: a GradcheckError or GradientMismatch leaves an entry point without
the frames inside gradcheck between the user's call and the `raise` (as Hypothesis trims its own frames).

The message names the culprit already; the engine's frames would only push it down. Frames of the user's own
code (a loss gradcheck called) are kept. Set GRADCHECK_NO_TRACEBACK_TRIM=1 to keep every frame (debugging
gradcheck itself); any other exception keeps its whole traceback.
"""

from __future__ import annotations

import functools
import os

from .errors import GradcheckError, GradientMismatch

PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
KEEP_VARIABLE = "GRADCHECK_NO_TRACEBACK_TRIM"


def _ours(tb) -> bool:
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(PACKAGE)


def trimmed(tb):
    """`tb` from its first frame outside gradcheck on (None when every frame is gradcheck's)."""
    while tb is not None and _ours(tb):
        tb = tb.tb_next
    return tb


def user_facing(entry):
    """Decorate a public entry point: its GradcheckError / GradientMismatch is re-raised from the entry itself,
    the frames inside gradcheck cut (pytest hides the entry's own frame: `__tracebackhide__`)."""

    @functools.wraps(entry)
    def call(*args, **kwargs):
        __tracebackhide__ = True
        try:
            return entry(*args, **kwargs)
        except (GradcheckError, GradientMismatch) as exc:
            if os.environ.get(KEEP_VARIABLE):
                raise
            raise exc.with_traceback(trimmed(exc.__traceback__))  # noqa: B904 (the same exception, its cause kept)

    return call
