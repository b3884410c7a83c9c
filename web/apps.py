from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The top layer: URLs, websocket routes, middleware, the page frame's context, sign-in
    adapters, the demo seed, retention and the management commands that span apps. No app
    imports it; it hands the bottom layer (portal) what it reads from the domain apps."""

    name = "web"
    verbose_name = _("Portalen")

    def ready(self) -> None:
        from accesslog import writes
        from portal import audit, viewers
        from web import viewer_sources

        audit.on_write(writes.record_write)
        viewers.provide(memberships=viewer_sources.memberships, family_role=viewer_sources.family_role)
