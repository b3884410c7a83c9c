"""Menu entries of the consent pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    if viewer.is_family:
        return [(reverse("consent:family"), _("Samtycken"))]
    return []
