from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.eid import idp


@pytest.fixture(scope="session")
def test_idp() -> Iterator[idp.TestIdP]:
    """The real OpenID provider on a free loopback port, for the whole session."""
    provider = idp.start()
    yield provider
    idp.stop(provider)


@pytest.fixture
def eid(test_idp: idp.TestIdP, settings: object) -> idp.TestIdP:
    """The portal configured for the test provider."""
    for name, value in test_idp.settings().items():
        setattr(settings, name, value)
    cache.clear()
    return test_idp
