"""OpenAPI description of the portal's authentication (session cookie or API token)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PortalAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api_auth.PortalAuthentication"
    name = ["sessionAuth", "tokenAuth"]

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return [
            {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token svp_…` — a personal API key bound to one agency membership.",
            },
        ]
