"""Menu entries of the collaboration pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    if viewer.is_staff:
        entries = [(reverse("cases:list"), _("Samverkan"))]
        if viewer.is_coordinator:
            entries.append((reverse("cases:caseload"), _("Mina familjer")))
        entries.append((reverse("cases:open"), _("Öppna samverkan")))
        return entries
    return []
