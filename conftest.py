"""Repository-level pytest configuration: Hypothesis profiles for a quick local run and a deeper CI run.

Select with `--hypothesis-profile=ci` (what .ci/run uses) or HYPOTHESIS_PROFILE=ci.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=20, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
