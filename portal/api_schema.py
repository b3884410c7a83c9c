"""OpenAPI description of the API: authentication (a session cookie *or* an API token,
two alternatives) and the error answers every operation can give.

`PortalAutoSchema` adds the error responses by what an operation can do, so no
operation forgets one:

- 401 and 403 wherever a sign-in is required (no or a bad credential: 401; signed in but
  not allowed, or a session write without the CSRF token: 403);
- 404 for a path or a body naming an object (missing and invisible alike), a paginated
  list (an unknown cursor) and a view that sets `schema_may_404` (it looks something up
  by a query parameter);
- 400 for a request body (validation or a refused service call) and a paginated list
  (a bad `page_size`).
"""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class PortalAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api_auth.PortalAuthentication"
    name = ["sessionAuth", "tokenAuth"]

    def get_security_requirement(self, auto_schema):  # type: ignore[no-untyped-def]
        # Either one: a list of requirements is OR, the schemes inside one requirement AND.
        return [{"sessionAuth": []}, {"tokenAuth": []}]

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return [
            {
                "type": "apiKey",
                "in": "cookie",
                "name": "sessionid",
                "description": "The portal's session cookie; writes also need the CSRF token (X-CSRFToken).",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token svp_…` — a personal API key bound to one agency membership.",
            },
        ]


class OutputSerializer(serializers.Serializer):
    """The documented shape of an answer, never input: every field is read-only (and so
    required in the schema — use it only where every field is always present)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class ErrorSerializer(serializers.Serializer):
    """An error: the reason, in the caller's language (Swedish by default)."""

    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """A refused request: `detail` for the whole request, or a list of messages per field
    (`{"field": ["message", …]}`; `non_field_errors` for the fields together)."""

    detail = serializers.CharField(required=False)


ERROR_400 = OpenApiResponse(ValidationErrorSerializer, description="The request is not valid, or it was refused.")
ERROR_401 = OpenApiResponse(ErrorSerializer, description="Not signed in, or the API key is not valid.")
ERROR_403 = OpenApiResponse(ErrorSerializer, description="Signed in, but not allowed to do this.")
ERROR_404 = OpenApiResponse(ErrorSerializer, description="Not found, or not visible to the caller (the same answer).")


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors: dict[str, OpenApiResponse] = {}
        method = self.method.upper()
        has_body = method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        paginated = getattr(self.view, "action", None) == "list" and self._get_paginator() is not None
        if has_body or paginated:
            errors["400"] = ERROR_400
        auths = self.get_auth()
        if auths and {} not in auths:  # `{}`: no sign-in needed (a public operation)
            errors["401"] = ERROR_401
            errors["403"] = ERROR_403
        if "{" in self.path or has_body or paginated or getattr(self.view, "schema_may_404", False):
            errors["404"] = ERROR_404
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
