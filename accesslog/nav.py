"""Menu entries of the access-log pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    if viewer.is_family:
        return [(reverse("accesslog:family_index"), _("Vem har tittat?"))]
    if viewer.is_agency_admin:
        return [(reverse("accesslog:review"), _("Logg"))]
    return []
