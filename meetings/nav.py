"""Menu entries of the meeting pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    return [(reverse("meetings:list"), _("Möten"))]
