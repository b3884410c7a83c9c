"""Part 3 of the consent state machine's examples (tests/consent/state_machine.py)."""

import pytest

from tests.consent.state_machine import run_part

pytestmark = pytest.mark.django_db


def test_visible_to_equals_the_reference_model_part_3(world):
    run_part(world, 2)
