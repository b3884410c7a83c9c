"""The access matrix's consent states refused and narrowed (see test_access_matrix.py): a file of
their own so another pytest-xdist worker can run them."""

import pytest

from tests.security.test_access_matrix import SHARES, run_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", SHARES[3])
def test_access_matrix(world, state, request):
    run_state(world, state, request)
