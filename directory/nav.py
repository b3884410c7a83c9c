"""Menu entries of the support directory ("Stödkatalog": public, in everyone's menu)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    if viewer.is_staff or viewer.is_family:
        return [(reverse("directory:search"), _("Stödkatalog"))]
    return []
