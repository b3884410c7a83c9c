import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portalen")

    def ready(self) -> None:
        from django.conf import settings

        from portal import api_schema  # noqa: F401  (registers the OpenAPI auth extension)

        _weekday_formats()

        if settings.DEBUG and os.environ.get("DJANGO_TECHNICAL_404", "").lower() not in {"1", "true", "yes"}:
            _friendly_not_found_in_debug()


def _weekday_formats() -> None:
    """Let `|date:"WEEKDAY_DATE_FORMAT"` and `date_format(d, "WEEKDAY_MONTH_DAY_FORMAT")`
    read the portal's own named formats (portal/formats/<lang>/formats.py) like Django's:
    get_format looks a name up only when it is in FORMAT_SETTINGS, and hands any other
    string back as a format."""
    from django.utils import formats

    formats.FORMAT_SETTINGS = formats.FORMAT_SETTINGS | {
        "WEEKDAY_DATE_FORMAT",
        "WEEKDAY_MONTH_DAY_FORMAT",
        "TIME_SECONDS_FORMAT",
    }


def _friendly_not_found_in_debug() -> None:
    """The embedded demo runs with DEBUG on; a newcomer following an old link (a consent
    taken back, say) must still get the portal's own 404 page, never Django's technical
    one with the URL patterns. Django picks that page through
    `django.views.debug.technical_404_response` whenever DEBUG is on (handler404 is not
    consulted), so the embedded mode points it at the portal's page.
    DJANGO_TECHNICAL_404=true brings Django's page back for a developer."""
    from django.views import debug, defaults

    def portal_not_found(request, exception):  # type: ignore[no-untyped-def]
        return defaults.page_not_found(request, exception)

    debug.technical_404_response = portal_not_found
