"""The worked examples in the core's docstrings run as tests (values worked out by hand there)."""

import doctest

import pytest

from hingecheck.core import dowel, faults, kinematics, nanstats, reps

MODULES = [dowel, faults, kinematics, nanstats, reps]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module.__name__} has no examples"
    assert result.failed == 0
