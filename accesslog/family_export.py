"""A family's copy of their data (GDPR art. 15 access request), as JSON and as a readable
document (HTML, PDF).

Everything the portal holds about one child and the person asking, read through the
same policy as every page — the export shows exactly what the family may see, and
every row read is logged as an export — plus the access log about the child. Another
guardian's contact details and personal number are never included (separated guardians
never see each other's), and neither is what the other family members looked at.

Only a custodial guardian may ask (the policy shows a child to nobody else in the
family), or the child themself once they decide alone about their own information.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from access import policy
from access.scoping import ScopedManager, Viewer
from accesslog.models import AccessLogEntry
from accesslog.selectors import ROLE_WORDS, STOCKHOLM, role_words, thing_words
from accesslog.words import field_words, model_words

# Never exported: internal keys and hashes.
ALWAYS_EXCLUDED = {"id", "password", "token_hash", "key_hash", "prev_hash", "hash"}
CONTACT_FIELDS = {"email", "phone", "address", "personal_number"}
# Staff-only tables (empty for a family anyway) and derived indexes (the consents
# themselves, with their decisions, are in the export).
SKIPPED_MODELS = {"agencies.Membership", "agencies.StaffInvitation", "consent.ConsentGrant"}


class ExportNotAllowed(Exception):
    """The viewer may not export this child's data; shown as 404."""


@dataclass
class Section:
    model: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FamilyExport:
    generated_at: datetime
    requested_by: dict[str, Any]
    child: dict[str, Any]
    sections: list[Section]
    about_you: list[Section]
    access_log: list[dict[str, Any]]
    access_log_days: list[LogDay] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "requested_by": self.requested_by,
            "child": self.child,
            "collaboration": [{"model": s.model, "title": s.title, "rows": s.rows} for s in self.sections],
            "about_you": [{"model": s.model, "title": s.title, "rows": s.rows} for s in self.about_you],
            "access_log": self.access_log,
            "notes": notes(),
        }

    def json_bytes(self) -> bytes:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2, default=_json_default).encode()


def notes() -> list[str]:
    return [
        _(
            "Det här är allt som Samverkansportalen har sparat om barnet och om dig och som du har rätt att se. "
            "Portalen samordnar bara stödet: varje verksamhet har sina egna journaler och akter. Vill du ha ut "
            "uppgifter därifrån frågar du verksamheten direkt."
        ),
        _(
            "Uppgifter om den andra vårdnadshavarens adress, telefon, e-post och personnummer finns inte med, "
            "och inte heller vad andra i familjen har tittat på."
        ),
        _("Loggen visar alla gånger någon på en verksamhet har tittat på eller ändrat uppgifter om barnet."),
    ]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    raise TypeError(type(value))


# --------------------------------------------------------------------------------------
# Who may ask
# --------------------------------------------------------------------------------------


def check_allowed(viewer: Viewer, child: Any) -> None:
    """A custodial guardian (the policy already showed them the child), or the child when
    they decide alone about their own information (age or maturity assessment)."""
    if not viewer.is_family:
        raise ExportNotAllowed
    if viewer.role != "child":
        return
    from cases.models import Case
    from consent import rules
    from consent import services as consent_services

    cases = list(Case.objects.filter(child_id=child.pk).select_related("child", "owner_agency__principal"))
    now = timezone.now()
    if not cases or not any(rules.level_at(now, consent_services.child_bands(c)) == rules.CHILD for c in cases):
        raise ExportNotAllowed


# --------------------------------------------------------------------------------------
# Rows and their values
# --------------------------------------------------------------------------------------


def _is_fk(f: Any) -> bool:
    return bool(f.is_relation and f.related_model is not None and (f.many_to_one or f.one_to_one))


def _target(f: Any) -> Any:
    """The model a foreign key points to (typed loosely: Django's stubs allow "self")."""
    return f.related_model


def _scoped_models() -> list[type[models.Model]]:
    result = []
    for model in apps.get_models():
        if isinstance(model._default_manager, ScopedManager) and not getattr(model, "NOT_LOGGED", False):
            result.append(model)
    return result


def _child_of(row: models.Model, resolved: dict[tuple[str, Any], int | None], guardian_children: dict) -> Any:
    label = row._meta.label
    if label == "cases.Child":
        return row.pk
    if label == "cases.Guardian":
        return guardian_children.get(row.pk, ())
    child_id = getattr(row, "child_id", None)
    if child_id is not None:
        return child_id
    for f in row._meta.concrete_fields:
        if _is_fk(f):
            target = getattr(row, f.attname)
            key = (_target(f)._meta.label, target)
            if target is not None and key in resolved:
                return resolved[key]
    return None


def _display_names(rows: list[models.Model], exported: dict[tuple[str, Any], models.Model]) -> dict:
    """Names for foreign keys to unscoped models (users, agencies, categories): one query
    per model. Scoped targets are shown only when they are in the export themselves."""
    wanted: dict[type[models.Model], set[Any]] = {}
    for row in rows:
        for f in row._meta.concrete_fields:
            if _is_fk(f):
                target = getattr(row, f.attname)
                if target is None or isinstance(_target(f)._default_manager, ScopedManager):
                    continue
                wanted.setdefault(_target(f), set()).add(target)
    names: dict[tuple[str, Any], str] = {}
    for model, ids in wanted.items():
        label = model._meta.label
        if label == "portal.User":
            for pk, name in model._default_manager.filter(pk__in=ids).values_list("pk", "full_name"):
                names[(label, pk)] = name
        else:
            for pk, obj in model._default_manager.in_bulk(ids).items():
                names[(label, pk)] = str(obj)
    return names


def _value(row: models.Model, f: models.Field, names: dict, exported: dict) -> Any:
    raw = getattr(row, f.attname)
    if raw is None or raw == "":
        return None
    if _is_fk(f):
        label = _target(f)._meta.label
        if (label, raw) in names:
            return names[(label, raw)]
        target = exported.get((label, raw))
        return str(target) if target is not None else None
    if f.choices:
        return str(dict(f.flatchoices).get(raw, raw))
    if isinstance(raw, datetime):
        return timezone.localtime(raw, STOCKHOLM).replace(second=0, microsecond=0)
    if isinstance(raw, UUID | Decimal):
        return str(raw)
    return raw


def _row_dict(row: models.Model, viewer: Viewer, names: dict, exported: dict) -> dict[str, Any]:
    excluded = ALWAYS_EXCLUDED | set(getattr(row, "FAMILY_EXPORT_EXCLUDE", ()))
    other_person = row._meta.label == "cases.Guardian" and getattr(row, "user_id", None) != viewer.user_id
    result: dict[str, Any] = {}
    for f in row._meta.concrete_fields:
        if f.name in excluded:
            continue
        if other_person and (f.name in CONTACT_FIELDS or f.name in {"user", "registered_by_agency"}):
            continue
        if other_person and not policy.can_see_contact_details(viewer, row) and f.name in CONTACT_FIELDS:
            continue
        value = _value(row, f, names, exported)
        if value is None:
            continue
        result[field_words(f)] = value
    return result


# --------------------------------------------------------------------------------------
# Building the export (inside the family viewer's request scope)
# --------------------------------------------------------------------------------------


def build(viewer: Viewer, child: Any) -> FamilyExport:
    """Everything about `child` and the viewer that the policy shows them. Reads are
    logged as an export (one entry per kind of row)."""
    started = time.perf_counter()
    check_allowed(viewer, child)
    policy.set_read_action(AccessLogEntry.Action.EXPORT)
    from cases.models import Guardianship

    loaded: dict[type[models.Model], list[models.Model]] = {}
    for model in _scoped_models():
        if model._meta.label in SKIPPED_MODELS:
            continue
        loaded[model] = list(model._default_manager.all())
    exported: dict[tuple[str, Any], models.Model] = {
        (m._meta.label, row.pk): row for m, rows in loaded.items() for row in rows
    }

    guardian_children: dict[int, set[int]] = {}
    for guardianship in loaded.get(Guardianship, []):
        row_: Any = guardianship
        guardian_children.setdefault(row_.guardian_id, set()).add(row_.child_id)
    resolved: dict[tuple[str, Any], Any] = {}
    for _round in range(4):  # rows tied to the child through another row: a few passes
        for model, rows in loaded.items():
            for row in rows:
                key = (model._meta.label, row.pk)
                if key not in resolved or resolved[key] is None:
                    resolved[key] = _child_of(row, resolved, guardian_children)

    def belongs(row: models.Model) -> bool:
        target = resolved.get((row._meta.label, row.pk))
        if isinstance(target, set | tuple | frozenset):
            return child.pk in target
        return target == child.pk

    all_rows = [row for rows in loaded.values() for row in rows]
    names = _display_names(all_rows, exported)
    sections: list[Section] = []
    about_you: list[Section] = []
    for model, rows in loaded.items():
        label = model._meta.label
        if getattr(model, "RECIPIENT_SCOPED", False):
            mine = [r for r in rows if resolved.get((label, r.pk)) in (None, child.pk)]
            if mine:
                about_you.append(
                    Section(label, model_words(model, 2), [_row_dict(r, viewer, names, exported) for r in mine])
                )
            continue
        if label == "cases.Child":
            continue
        chosen = [r for r in rows if belongs(r)]
        if chosen:
            sections.append(
                Section(label, model_words(model, 2), [_row_dict(r, viewer, names, exported) for r in chosen])
            )
    sections.sort(key=lambda s: (s.model != "cases.Case", s.model != "cases.Guardian", s.title))

    account = viewer.user
    requested_by = {
        _("namn"): getattr(account, "full_name", ""),
        _("e-post"): getattr(account, "email", ""),
        _("roll"): str(ROLE_WORDS.get(viewer.role, viewer.role)),
        _("konto skapat"): timezone.localtime(account.date_joined, STOCKHOLM).replace(second=0, microsecond=0)
        if account is not None
        else None,
    }
    child_row = next((r for r in loaded.get(type(child), []) if r.pk == child.pk), child)
    log, log_days = access_log(viewer, child.pk)
    from accesslog import writes

    writes.write_export(
        viewer=viewer, child_ids=[child.pk], object_type=AccessLogEntry._meta.label, count_by_child={child.pk: len(log)}
    )
    return FamilyExport(
        generated_at=timezone.localtime(timezone.now(), STOCKHOLM),
        requested_by=requested_by,
        child=_row_dict(child_row, viewer, names, exported),
        sections=sections,
        about_you=about_you,
        access_log=log,
        access_log_days=log_days,
        seconds=time.perf_counter() - started,
    )


@dataclass
class LogGroup:
    """One person's access on one day, for the readable document: who, what, and every
    time (the JSON copy has each entry in full)."""

    who: str
    what: list[str]
    times: list[str]
    outcome: str = ""


@dataclass
class LogDay:
    day: date
    groups: list[LogGroup]


def access_log(viewer: Viewer, child_id: int) -> tuple[list[dict[str, Any]], list[LogDay]]:
    """Every entry about the child: staff's reads and writes, and the viewer's own —
    not what other family members looked at. Itemised (JSON) and by day and person."""
    from accesslog.selectors import person_words

    rows = (
        AccessLogEntry.objects.filter(child_id=child_id)
        .filter(~Q(chain__startswith="family") | Q(actor_id=viewer.user_id))
        .order_by("-at", "-id")
    )
    result: list[dict[str, Any]] = []
    days: list[LogDay] = []
    groups: dict[tuple[Any, ...], LogGroup] = {}
    for entry in rows.iterator(chunk_size=2000):
        local = timezone.localtime(entry.at, STOCKHOLM)
        what = f"{entry.get_action_display()}: {thing_words(entry.object_type, entry.count)}"
        result.append(
            {
                _("tid"): local.strftime("%Y-%m-%d %H:%M:%S"),
                _("namn"): entry.actor_name,
                _("roll"): role_words(entry),
                _("verksamhet"): entry.agency_name,
                _("vad"): what,
                _("grund"): capfirst(entry.get_basis_display())
                + (f" ({_('samtycke')} {entry.consent_id} v{entry.consent_version})" if entry.consent_id else ""),
                _("utfall"): entry.get_outcome_display(),
            }
        )
        if not days or days[-1].day != local.date():
            days.append(LogDay(day=local.date(), groups=[]))
            groups = {}
        key = (entry.actor_id, entry.agency_id, entry.outcome)
        group = groups.get(key)
        if group is None:
            outcome = "" if entry.outcome == AccessLogEntry.Outcome.ALLOWED else entry.get_outcome_display()
            group = groups[key] = LogGroup(who=person_words(entry), what=[], times=[], outcome=outcome)
            days[-1].groups.append(group)
        if what not in group.what:
            group.what.append(what)
        time_of_day = formats.time_format(local)
        if not group.times or group.times[-1] != time_of_day:
            group.times.append(time_of_day)
    return result, days


def _readable(value: Any) -> Any:
    """Values as a person reads them: Ja/Nej, "12 mars 2014", "9 november 2026 kl. 08:00"."""
    if value is True:
        return _("Ja")
    if value is False:
        return _("Nej")
    if isinstance(value, datetime):
        return _("%(day)s kl. %(time)s") % {
            "day": formats.date_format(value),
            "time": formats.time_format(value),
        }
    if isinstance(value, date):
        return formats.date_format(value)
    return value


def _readable_rows(sections: list[Section]) -> list[Section]:
    return [Section(s.model, s.title, [{k: _readable(v) for k, v in row.items()} for row in s.rows]) for s in sections]


def render_html(export: FamilyExport, *, for_pdf: bool = False) -> str:
    """The export as one readable, self-contained document (for the browser and the PDF)."""
    from django.template.loader import render_to_string

    readable = FamilyExport(
        generated_at=export.generated_at,
        child={k: _readable(v) for k, v in export.child.items()},
        requested_by={k: _readable(v) for k, v in export.requested_by.items()},
        sections=_readable_rows(export.sections),
        about_you=_readable_rows(export.about_you),
        access_log=export.access_log,
        access_log_days=export.access_log_days,
    )
    return render_to_string(
        "accesslog/export_document.html", {"export": readable, "notes": notes(), "for_pdf": for_pdf}
    )


def render_pdf(export: FamilyExport) -> bytes:
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    stylesheet = finders.find("accesslog/export.css")
    html = render_html(export, for_pdf=True)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=stylesheet)] if stylesheet else None)
