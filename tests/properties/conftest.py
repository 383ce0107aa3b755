"""Fixtures for the property tests: the three-oracle assertion and how many networks a profile must check."""

import pytest
from hypothesis import settings

ORACLES = ("fd", "torch", "jax")

#: Networks the gradient property test checks per run, by Hypothesis profile (others: the profile's max_examples).
NETWORKS_PER_PROFILE = {"ci": 200}


def assert_all_oracles_agree(report):
    """Every oracle ran and every parameter agrees with each of fd, torch and jax (the report on failure)."""
    __tracebackhide__ = True
    ran = {o.name: o.status for o in report.oracles}
    assert ran == {o: "ran" for o in ORACLES}, f"expected fd, torch and jax to run, got {ran}\n{report}"
    assert report.ok, str(report)
    for p in report.params:
        agree = {o: p.comparisons[o].ok for o in ORACLES if o in p.comparisons}
        assert agree == {o: True for o in ORACLES}, f"{p.name}: {agree}\n{report}"


@pytest.fixture
def all_oracles_agree():
    """all_oracles_agree(report): assert fd, torch and jax all ran and every parameter agrees with each."""
    return assert_all_oracles_agree


@pytest.fixture
def network_examples():
    """How many networks the gradient property test must check under the current profile (ci: 200)."""
    profile = settings.get_current_profile_name()
    return NETWORKS_PER_PROFILE.get(profile, settings.default.max_examples)
