"""Pages of the support directory: public search and entry pages (no sign-in), the
agency admin's own entries, and the coordinator linking an entry into a plan action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy
from cases.models import PlanAction
from directory import selectors, services
from directory.forms import EntryForm, SearchForm
from directory.models import PlanActionLink, SupportEntry

PAGE_SIZE = 20


def _viewer(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.viewer  # type: ignore[attr-defined]


def _search(request: HttpRequest) -> tuple[SearchForm, object, object]:
    form = SearchForm(request.GET or None, areas=selectors.areas(), needs=selectors.need_kinds())
    filters = form.filters()
    paginator = Paginator(selectors.entry_search(filters=filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("sida"))
    return form, filters, page


def search(request: HttpRequest) -> HttpResponse:
    """The public directory: search and filter, readable by anyone without signing in."""
    form, filters, page = _search(request)
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "directory/search.html",
        {"form": form, "filters": filters, "page": page, "query": query.urlencode()},
    )


def detail(request: HttpRequest, entry_uuid: str) -> HttpResponse:
    entry = selectors.entry_get(uuid=entry_uuid)
    return render(request, "directory/detail.html", {"entry": entry})


# --------------------------------------------------------------------------------------
# Agency admins: their own agency's entries
# --------------------------------------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if not _viewer(request).is_agency_admin:
        raise Http404


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    entries = list(selectors.own_entries(viewer=_viewer(request)))
    return render(request, "directory/manage.html", {"entries": entries})


@login_required
def entry_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    viewer = _viewer(request)
    initial = {}
    if request.method != "POST":
        from agencies.models import Agency

        agency = Agency.objects.select_related("principal").get(pk=viewer.agency_id)
        initial = {"principal": agency.principal, "provider": agency.name}
        if agency.principal.kind == "municipality":
            initial["municipalities"] = [agency.principal]
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                viewer=viewer,
                data=form.data_fields(),
                needs=form.cleaned_data["needs"],
                municipalities=form.cleaned_data["municipalities"],
                principal=form.cleaned_data["principal"],
            )
        except services.DirectoryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Stödet är publicerat i stödkatalogen."))
            return redirect("directory:manage_edit", entry.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/entry_form.html", {"form": form, "entry": None}, status=status)


@login_required
def entry_edit(request: HttpRequest, entry_uuid: str) -> HttpResponse:
    _require_admin(request)
    viewer = _viewer(request)
    entry = selectors.own_entry_or_404(viewer=viewer, uuid=entry_uuid)
    form = EntryForm(request.POST or None, initial=EntryForm.initial_for(entry))
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_update(
                viewer=viewer,
                entry=entry,
                data=form.data_fields(),
                needs=form.cleaned_data["needs"],
                municipalities=form.cleaned_data["municipalities"],
                principal=form.cleaned_data["principal"],
            )
        except services.DirectoryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Ändringarna är sparade."))
            return redirect("directory:manage_edit", entry.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/entry_form.html", {"form": form, "entry": entry}, status=status)


@login_required
@require_POST
def entry_publish(request: HttpRequest, entry_uuid: str) -> HttpResponse:
    _require_admin(request)
    viewer = _viewer(request)
    entry = selectors.own_entry_or_404(viewer=viewer, uuid=entry_uuid)
    published = request.POST.get("publicerad") == "1"
    try:
        services.entry_set_published(viewer=viewer, entry=entry, published=published)
    except services.DirectoryError as error:  # pragma: no cover - the view checked already
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Stödet syns i stödkatalogen igen.") if published else _("Stödet är avpublicerat och syns inte längre."),
        )
    return redirect("directory:manage")


# --------------------------------------------------------------------------------------
# Coordinators: link an entry into a plan action
# --------------------------------------------------------------------------------------


def _safe_back(request: HttpRequest, url: str | None) -> str:
    """A local address to return to after linking (the plan the coordinator came from)."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


def _action_for_coordinator(request: HttpRequest, action_uuid: str) -> PlanAction:
    viewer = _viewer(request)
    action = policy.get_or_404(PlanAction, viewer, uuid=action_uuid)
    if not policy.is_coordinator_of(viewer, action.case):
        raise Http404
    return action


@login_required
def link_action(request: HttpRequest, action_uuid: str) -> HttpResponse:
    """Search the directory and link an entry to one action of the joint plan."""
    action = _action_for_coordinator(request, action_uuid)
    viewer = _viewer(request)
    back = _safe_back(request, request.POST.get("tillbaka") or request.GET.get("tillbaka")) or reverse(
        "cases:detail", args=[action.case.uuid]
    )
    if request.method == "POST":
        try:
            entry = SupportEntry.objects.published().get(uuid=request.POST.get("stod"))
        except (SupportEntry.DoesNotExist, ValueError, ValidationError):  # missing, or not a uuid
            messages.error(request, _("Stödet finns inte i stödkatalogen."))
        else:
            try:
                services.plan_action_link(viewer=viewer, action=action, entry=entry)
            except services.DirectoryError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("%(name)s är kopplat till insatsen.") % {"name": entry.name})
                return redirect(back)
    form, filters, page = _search(request)
    linked = {link.entry_id for link in PlanActionLink.objects.filter(action=action)}
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "directory/link_action.html",
        {
            "action": action,
            "form": form,
            "filters": filters,
            "page": page,
            "linked": linked,
            "back": back,
            "query": query.urlencode(),
        },
    )


@login_required
@require_POST
def unlink_action(request: HttpRequest, link_uuid: str) -> HttpResponse:
    viewer = _viewer(request)
    link = policy.get_or_404(PlanActionLink, viewer, uuid=link_uuid)
    if not policy.is_coordinator_of(viewer, link.case):
        raise Http404
    back = _safe_back(request, request.POST.get("tillbaka")) or reverse("cases:detail", args=[link.case.uuid])
    try:
        services.plan_action_unlink(viewer=viewer, link=link)
    except services.DirectoryError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("Kopplingen är borttagen."))
    return redirect(back)
