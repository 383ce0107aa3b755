"""Plugin tests run pytest inside pytest (pytester), over the example project and small generated ones."""

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "downstream"
XDIST = [pytest.param([], id="no-xdist"), pytest.param(["-n", "2"], id="xdist-2")]


def pytest_configure(config):
    """pytester, unless the root conftest or the command line (-p pytester) already loaded it."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture(scope="session", autouse=True)
def _frameworks_loaded_once():
    """Import the frameworks before any in-process run, so pytester's module snapshot keeps them loaded."""
    for name in ("numpy", "gradcheck", "gradcheck.plugin", "torch", "jax", "array_api_compat"):
        try:
            __import__(name)
        except ImportError:
            pass


@pytest.fixture
def downstream(pytester):
    """A copy of examples/downstream as the pytester project."""
    for item in EXAMPLE.iterdir():
        if item.name in ("__pycache__", ".pytest_cache") or item.suffix == ".json":
            continue
        dest = pytester.path / item.name
        shutil.copytree(item, dest) if item.is_dir() else shutil.copy(item, dest)
    return pytester
