"""API of the improvement work under /api/v1/forbattring/: the published aggregates,
for the management role of the principal asked for only.

Every figure comes from the same selectors as the pages, after small-count suppression:
a hidden figure is `null` with `"hidden": true`, never its value.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from insights import followup, selectors
from insights.forms import parse_year
from insights.suppression import Figure, PublishedTable
from portal.api_auth import viewer_of


class IsManagement(permissions.BasePermission):
    """Staff (signed in with TOTP or an API token) holding a management role."""

    def has_permission(self, request: Request, view: Any) -> bool:
        viewer = getattr(request._request, "viewer", None)
        return viewer is not None and selectors.is_management(viewer)


def _figure(figure: Figure) -> dict[str, Any]:
    return {"value": figure.value, "hidden": figure.hidden}


def _table(table: PublishedTable) -> dict[str, Any]:
    return {
        "columns": [{"key": str(k), "label": label} for k, label in table.col_labels],
        "rows": [
            {
                "key": str(key),
                "label": label,
                "cells": [_figure(f) for f in cells],
                "total": _figure(total),
            }
            for key, label, cells, total in table.rows
        ],
        "column_totals": [_figure(f) for f in table.col_totals],
        "total": _figure(table.total),
    }


PARAMETERS = [
    OpenApiParameter("huvudman", OpenApiTypes.UUID, description="Huvudmannens id (standard: din första)."),
    OpenApiParameter("ar", OpenApiTypes.INT, description="Kalenderår (standard: i år)."),
]


def _selection(request: Request) -> tuple[Any, int]:
    viewer = viewer_of(request)
    principal = selectors.principal_for_report(viewer=viewer, principal_uuid=request.query_params.get("huvudman"))
    return principal, parse_year(request.query_params.get("ar"))


def _principal(principal: Any) -> dict[str, Any]:
    return {"id": str(principal.uuid), "name": principal.name, "code": principal.code}


class GapReportViewSet(viewsets.ViewSet):
    """Systemic gaps per category × quarter and per part of the support system × quarter,
    with the quarterly trend of this and the previous year."""

    permission_classes = [IsManagement]
    schema_may_404 = True  # a principal the caller has no management role for

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        principal, year = _selection(request)
        report = selectors.gap_report(viewer=viewer_of(request), principal=principal, year=year)
        return Response(
            {
                "principal": _principal(principal),
                "year": year,
                "threshold": 5,
                "by_category": _table(report.year.by_category),
                "by_service": _table(report.year.by_service),
                "trend": [{"quarter": q.code, **_figure(f)} for q, f in report.trend],
            }
        )


class FollowupViewSet(viewsets.ViewSet):
    """Follow-up statistics of collaborations for one principal and calendar year."""

    permission_classes = [IsManagement]
    schema_may_404 = True  # a principal the caller has no management role for

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request) -> Response:
        principal, year = _selection(request)
        report = followup.followup_report(viewer=viewer_of(request), principal=principal, year=year)
        sections = []
        for section in report.sections:
            sections.append(
                {
                    "key": section.key,
                    "title": section.title,
                    "total": _figure(section.total),
                    "partitions": [
                        {
                            "key": p.key,
                            "title": p.title,
                            "groups": [{"key": str(k), "label": label, **_figure(f)} for k, label, f in p.groups],
                        }
                        for p in section.partitions
                    ],
                    "averages": [
                        {
                            "key": a.key,
                            "title": a.title,
                            "value": None if a.value is None else round(a.value, 1),
                            "hidden": a.hidden,
                            "unit": a.unit,
                        }
                        for a in section.averages
                    ],
                }
            )
        return Response(
            {
                "principal": _principal(principal),
                "year": year,
                "threshold": 5,
                "sections": sections,
                "meetings_held": _figure(report.meetings_held),
            }
        )


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the shared /api/v1/ router."""
    router.register("forbattring/brister", GapReportViewSet, basename="insights-gaps")
    router.register("forbattring/uppfoljning", FollowupViewSet, basename="insights-followup")
