"""`{% eid_login %}`: the family's eID sign-in button, where eID is configured."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from portal.eid.conf import PROVIDER_ID, config

register = template.Library()


@register.inclusion_tag("eid/_login.html", takes_context=True)
def eid_login(context: Any) -> dict[str, Any]:
    eid = config()
    if eid is None:
        return {"eid": None}
    url = reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID})
    return {"eid": {"url": url, "name": eid.name}, "csrf_token": context.get("csrf_token")}
