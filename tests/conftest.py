import os

import numpy as np
import pytest
from hypothesis import settings

# CI runs a fixed, reproducible set of examples (a red CI is then a real regression, not
# a newly drawn example); locally hypothesis explores afresh on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

os.environ.setdefault("GRAPHJIT_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..",
                                                         ".pytest_cache", "graphjit-kernels"))


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test starts with an empty default graph."""
    import graphjit as gj

    gj.reset_default_graph()
    yield
    gj.reset_default_graph()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
