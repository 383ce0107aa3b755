"""Repository-level pytest configuration: Hypothesis profiles for a quick local run and a deeper CI run.

Select with `--hypothesis-profile=ci` (what .ci/run uses) or HYPOTHESIS_PROFILE=ci. The network property test
checks more examples than max_examples under ci (200 networks: tests/properties/conftest.py NETWORKS_PER_PROFILE).
The ci profile is derandomized, so a CI verdict does not change between runs of the same commit; the quick
profile explores new examples on every run (a failure prints its reproduce blob).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=20, deadline=None)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    print_blob=True,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
