"""Menu entries of the agency pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    items = []
    if viewer.is_agency_admin:
        items.append((reverse("agencies:staff"), _("Personal")))
    return items
