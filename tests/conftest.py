import os

import numpy as np
import pytest

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
