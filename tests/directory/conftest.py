"""Fixtures of the support directory: a few entries kept by the world's agencies."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Agency, Principal
from directory.models import NeedKind, SupportEntry
from tests.world import World


def make_entry(
    agency: Agency,
    name: str,
    *,
    principal: Principal | None = None,
    municipalities: list[Principal] | None = None,
    needs: list[str] = ("parenting",),  # type: ignore[assignment]
    published: bool = True,
    **fields: Any,
) -> SupportEntry:
    defaults = {
        "summary": f"Om {name}.",
        "for_whom": "Familjer.",
        "how_to_apply": "Ring oss.",
        "provider": agency.name,
        "phone": "016-10 00 00",
    }
    defaults.update(fields)
    entry = SupportEntry(
        agency=agency, principal=principal or agency.principal, name=name, is_published=published, **defaults
    )
    need_objs = list(NeedKind.objects.filter(code__in=needs))
    entry.search_text = entry.build_search_text([n.name for n in need_objs])
    entry.save()
    entry.needs.set(need_objs)
    entry.municipalities.set(municipalities if municipalities is not None else [principal or agency.principal])
    return entry


@pytest.fixture
def entries(world: World) -> dict[str, SupportEntry]:
    return {
        "parenting": make_entry(world.social, "Föräldrastöd i grupp", age_min=3, age_max=17),
        "respite": make_entry(
            world.social, "Korttidsvistelse (LSS)", needs=["respite", "disability"], age_min=0, age_max=20
        ),
        "bup": make_entry(
            world.health,
            "Första linjen för barn och unga",
            municipalities=[world.municipality, world.other_municipality],
            needs=["mental-health"],
            age_min=6,
            age_max=17,
        ),
        "other_town": make_entry(world.unrelated, "Öppna förskolan Annanstad", needs=["parenting"], age_max=5),
        "hidden": make_entry(world.social, "Nedlagt stöd", published=False),
        "national": make_entry(
            world.health,
            "Omvårdnadsbidrag",
            municipalities=[],
            needs=["finances"],
            nationwide=True,
            provider="Försäkringskassan",
        ),
    }
