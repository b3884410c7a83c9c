"""Pages of the access log: the family's "Vem har tittat?", their copy of their data,
and the agency admin's log review with its CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Count, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from access import policy
from access.scoping import Viewer, scope
from accesslog import family_export, selectors, visits, writes
from accesslog.models import AccessLogEntry
from portal import limits

PERSONAL_NUMBER_HELP = gettext_lazy("Hela personnumret, ÅÅÅÅMMDD-NNNN. Visar bara er egen verksamhets logg.")


class _SignIn(Exception):
    pass


def _viewer(request: HttpRequest) -> Viewer:
    if not request.user.is_authenticated:
        raise _SignIn
    return request.viewer  # type: ignore[attr-defined,no-any-return]


def page(view):  # type: ignore[no-untyped-def]
    """GET/HEAD only; the signed-out are sent to sign in first (then back here)."""

    @require_safe
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]
        except _SignIn:
            return redirect_to_login(request.get_full_path())

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _require_family(request: HttpRequest) -> Viewer:
    viewer = _viewer(request)
    if not viewer.is_family:
        raise Http404
    return viewer


def _require_admin(request: HttpRequest) -> Viewer:
    viewer = _viewer(request)
    if not viewer.is_agency_admin:
        raise Http404
    return viewer


def _child(viewer: Viewer, child_uuid: str):  # type: ignore[no-untyped-def]
    from cases.models import Child

    return policy.get_or_404(Child, viewer, uuid=child_uuid)


@page
def index(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if viewer.is_family:
        return redirect("accesslog:family_index")
    if viewer.is_agency_admin:
        return redirect("accesslog:review")
    raise Http404


# --------------------------------------------------------------------------------------
# The family
# --------------------------------------------------------------------------------------


@page
def family_index(request: HttpRequest) -> HttpResponse:
    viewer = _require_family(request)
    children = selectors.family_children(viewer)
    if len(children) == 1:
        return redirect("accesslog:family", child_uuid=children[0].uuid)
    return render(request, "accesslog/family_index.html", {"children": children})


@page
def family_child(request: HttpRequest, child_uuid: str) -> HttpResponse:
    viewer = _require_family(request)
    child = _child(viewer, child_uuid)
    cursor = selectors.Cursor.decode(request.GET.get("fore"))
    page = selectors.family_visits(viewer, child_id=child.pk, cursor=cursor)
    try:
        family_export.check_allowed(viewer, child)
        can_export = True
    except family_export.ExportNotAllowed:
        can_export = False
    return render(
        request,
        "accesslog/family.html",
        {
            "child": child,
            "can_export": can_export,
            "days": page.days,
            # The child reading about herself is spoken to ("det som står om dig").
            "to_child": viewer.role == "child",
            "next_cursor": page.next_cursor,
            "is_later_page": cursor is not None,
        },
    )


@page
def export_index(request: HttpRequest) -> HttpResponse:
    viewer = _require_family(request)
    children = selectors.family_children(viewer)
    if len(children) == 1:
        return redirect("accesslog:export", child_uuid=children[0].uuid)
    return render(request, "accesslog/export_index.html", {"children": children})


def _export_for(request: HttpRequest, child_uuid: str) -> family_export.FamilyExport:
    viewer = _require_family(request)
    policy.set_read_action(AccessLogEntry.Action.EXPORT)  # every read from here on is the export
    child = _child(viewer, child_uuid)
    try:
        return family_export.build(viewer, child)
    except family_export.ExportNotAllowed:
        raise Http404 from None


@page
def export_page(request: HttpRequest, child_uuid: str) -> HttpResponse:
    viewer = _require_family(request)
    child = _child(viewer, child_uuid)
    try:
        family_export.check_allowed(viewer, child)
    except family_export.ExportNotAllowed:
        raise Http404 from None
    return render(request, "accesslog/export.html", {"child": child})


def _filename(export: family_export.FamilyExport, extension: str) -> str:
    return f"samverkansportalen-uppgifter-{export.generated_at:%Y-%m-%d}.{extension}"


@page
def export_json(request: HttpRequest, child_uuid: str) -> HttpResponse:
    export = _export_for(request, child_uuid)
    response = HttpResponse(export.json_bytes(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(export, "json")}"'
    return response


@page
def export_html(request: HttpRequest, child_uuid: str) -> HttpResponse:
    export = _export_for(request, child_uuid)
    return HttpResponse(family_export.render_html(export))


@page
def export_pdf(request: HttpRequest, child_uuid: str) -> HttpResponse:
    export = _export_for(request, child_uuid)
    response = HttpResponse(family_export.render_pdf(export), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(export, "pdf")}"'
    return response


# --------------------------------------------------------------------------------------
# The agency admin
# --------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    person = forms.ChoiceField(label=gettext_lazy("Personal"), required=False)
    personal_number = forms.CharField(
        label=gettext_lazy("Barnets personnummer"),
        required=False,
        max_length=13,
        help_text=PERSONAL_NUMBER_HELP,
        error_messages=limits.TOO_LONG,
    )
    since = forms.DateField(
        label=gettext_lazy("Från och med"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[limits.SEARCH],
    )
    until = forms.DateField(
        label=gettext_lazy("Till och med"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[limits.SEARCH],
    )
    action = forms.ChoiceField(label=gettext_lazy("Händelse"), required=False)
    unusual = forms.BooleanField(label=gettext_lazy("Bara avvikande åtkomst"), required=False)

    def __init__(self, *args: object, staff: list[tuple[str, str, int]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.staff_ids = {uuid: user_id for uuid, _name, user_id in staff}
        person: Any = self.fields["person"]
        action: Any = self.fields["action"]
        person.choices = [("", _("Alla"))] + [(uuid, name) for uuid, name, _id in staff]
        action.choices = [("", _("Alla")), *AccessLogEntry.Action.choices]

    def clean_personal_number(self) -> str:
        value = self.cleaned_data["personal_number"].strip().replace(" ", "")
        if value and len(value) == 12 and value.isdigit():
            value = f"{value[:8]}-{value[8:]}"
        if value and not (len(value) == 13 and value[8] == "-" and (value[:8] + value[9:]).isdigit()):
            raise ValidationError(_("Skriv hela personnumret, till exempel 20140312-2387."))
        return value

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, date) and isinstance(until, date) and until < since:
            raise ValidationError(_("Slutdatum kan inte vara före startdatum."))
        return data

    def to_filter(self) -> selectors.ReviewFilter:
        data = self.cleaned_data
        number = data.get("personal_number") or ""
        return selectors.ReviewFilter(
            actor_id=self.staff_ids.get(data.get("person") or ""),
            child_ids=tuple(selectors.child_ids_for_personal_number(number)) if number else (),
            child_searched=bool(number),
            since=data.get("since"),
            until=data.get("until"),
            action=data.get("action") or "",
            unusual_only=bool(data.get("unusual")),
        )


def _staff_choices() -> list[tuple[str, str, int]]:
    from agencies.models import Membership

    # Plain values: the agency's staff are 100+ people, and model instances for each
    # membership and user are most of this function's cost.
    rows = Membership.objects.order_by("user__full_name").values_list("uuid", "user__full_name", "title", "user_id")
    return [(str(uuid), name + (f" ({title})" if title else ""), user_id) for uuid, name, title, user_id in rows]


def _review_form(request: HttpRequest) -> ReviewForm:
    return ReviewForm(request.GET or None, staff=_staff_choices())


@page
def review(request: HttpRequest) -> HttpResponse:
    viewer = _require_admin(request)
    form = _review_form(request)
    entries: list[AccessLogEntry] = []
    next_cursor = None
    status = 200
    if not request.GET or form.is_valid():
        filters = form.to_filter() if request.GET else selectors.ReviewFilter()
        cursor = selectors.Cursor.decode(request.GET.get("fore"))
        page = selectors.review_page(viewer, filters, cursor=cursor)
        entries, next_cursor = page.entries, page.next_cursor
    else:
        status = 400
    names = selectors.children_named(viewer, (e.child_id for e in entries))
    query = request.GET.copy()
    query.pop("fore", None)
    return render(
        request,
        "accesslog/review.html",
        {
            "form": form,
            "rows": _review_rows(entries, names),
            "next_cursor": next_cursor,
            "query": query.urlencode(),
            "burst_children": selectors.BURST_CHILDREN,
        },
        status=status,
    )


def _review_rows(entries: list[AccessLogEntry], names: dict[int, str]) -> list[str]:
    """Each entry's table row as HTML, written here rather than in the template (its loop
    was most of the page's rendering): what the template wrote, escaped and localised as
    the template does (`render_value_in_context`)."""
    # The choices' labels once per page, not per row (`get_FOO_display` rebuilds its map).
    actions = {value: str(label) for value, label in AccessLogEntry.Action.choices}
    bases = {value: str(label) for value, label in AccessLogEntry.Basis.choices}
    at_text = visits.formatter(get_format("SHORT_DATETIME_FORMAT"))
    not_visible = _("barn nr %(ref)s (syns inte för er i dag)")
    consent_word = escape(_("samtycke"))
    things: dict[tuple[str, int], str] = {}

    def text(value: Any) -> str:
        if isinstance(value, str):  # `localize` leaves text as it is
            return conditional_escape(value)
        return conditional_escape(str(localize(value)))

    rows: list[str] = []
    for e in entries:
        at = timezone.localtime(e.at)
        flags = selectors.flags_of(e)
        what = things.get((e.object_type, e.count))
        if what is None:
            what = things[e.object_type, e.count] = selectors.thing_words(e.object_type, e.count)
        child = names.get(e.child_id) if e.child_id else None
        if child:
            child_cell = text(child)
        elif e.child_id:
            child_cell = '<span class="muted">' + not_visible % {"ref": text(e.child_id)} + "</span>"
        else:
            child_cell = ""
        rows.append(
            mark_safe(  # noqa: S308 - every value in it escaped above or here
                "\n  <tr"
                + (' class="log-row--flagged"' if flags else "")
                + '>\n    <td><time datetime="'
                + text(at.isoformat())
                + '">'
                + text(at_text(at))
                + "</time></td>\n    <td>"
                + text(e.actor_name)
                + ('<br><span class="muted">' + text(e.title) + "</span>" if e.title else "")
                + "</td>\n    <td>"
                + child_cell
                + "</td>\n    <td>"
                + text(capfirst(actions.get(e.action, e.action)))
                + ": "
                + text(what)
                + "</td>\n    <td>"
                + text(capfirst(bases.get(e.basis, e.basis)))
                + (
                    f' <span class="muted">({consent_word} {text(e.consent_id)}, v{text(e.consent_version)})</span>'
                    if e.consent_id
                    else ""
                )
                + "</td>\n    <td>"
                + "".join(f'<span class="badge badge--warn">{text(flag)}</span> ' for flag in flags)
                + "</td>\n  </tr>\n  "
            )
        )
    return rows


CSV_COLUMNS = [
    "tid",
    "personal",
    "befattning",
    "roll",
    "barn_id",
    "samverkan_id",
    "handelse",
    "vad",
    "antal",
    "objekt_id",
    "grund",
    "samtycke_id",
    "samtycke_version",
    "utfall",
    "avvikelser",
    "request_id",
    "ip",
    "kedja",
    "nummer",
    "hash",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@page
def review_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered log as CSV. The export is itself logged: one entry per child in it.
    Children appear by id only (no names leave the portal this way)."""
    viewer = _require_admin(request)
    form = _review_form(request)
    if request.GET and not form.is_valid():
        return HttpResponse(_("Kontrollera filtret."), status=400, content_type="text/plain; charset=utf-8")
    filters = form.to_filter() if request.GET else selectors.ReviewFilter()
    queryset = selectors.review_queryset(viewer, filters)
    # What exists now: the export's own entries, written next, are not part of it.
    last_id = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    queryset = queryset.filter(id__lte=last_id)
    counts = dict(
        AccessLogEntry.objects.filter(pk__in=Subquery(queryset.values("pk")))
        .order_by()
        .values("child_id")
        .annotate(n=Count("pk"))
        .values_list("child_id", "n")
    )
    writes.write_export(
        viewer=viewer, child_ids=list(counts), object_type=AccessLogEntry._meta.label, count_by_child=counts
    )

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        # Streaming runs after the request's scope has ended: enter the viewer's own.
        with scope(viewer):
            for entry in queryset.order_by("-at", "-id").iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        timezone.localtime(entry.at, selectors.STOCKHOLM).isoformat(timespec="seconds"),
                        entry.actor_name,
                        entry.title,
                        entry.role,
                        entry.child_id or "",
                        entry.case_id or "",
                        entry.action,
                        entry.object_type,
                        entry.count,
                        entry.object_id,
                        entry.basis,
                        entry.consent_id or "",
                        entry.consent_version or "",
                        entry.outcome,
                        "; ".join(selectors.flags_of(entry)),
                        entry.request_id,
                        entry.ip or "",
                        entry.chain,
                        entry.seq,
                        entry.hash,
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="atkomstlogg-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
