"""The access matrix's remaining consent states (see test_access_matrix.py): a file of
their own so a second pytest-xdist worker can run them."""

import pytest

from tests.security import matrix
from tests.security.test_access_matrix import FIRST_STATES, run_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", [s for s in matrix.STATES if s not in FIRST_STATES])
def test_access_matrix(world, state, request):
    run_state(world, state, request)
