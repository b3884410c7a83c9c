"""Menu entries of the collaboration pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    if viewer.is_staff:
        return [(reverse("cases:list"), _("Samverkan"))]
    return []
