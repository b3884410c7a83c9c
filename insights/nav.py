"""Menu entries of the improvement work: "Förbättringsarbete" for municipal management.

Coordinators record gaps from the collaboration page ("Registrera brist"), not the menu.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def items(viewer):  # type: ignore[no-untyped-def]
    if not viewer.is_staff:
        return []
    from insights.selectors import is_management

    if is_management(viewer):
        return [(reverse("insights:index"), _("Förbättringsarbete"))]
    return []
