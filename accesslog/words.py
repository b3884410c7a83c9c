"""Plain Swedish names for kinds of rows and their fields, for families reading the log
and their data export. A model's own `verbose_name` wins; these fill in where a model
has none (Django would otherwise show its English class or field name)."""

from __future__ import annotations

from django.db import models
from django.utils.text import camel_case_to_spaces
from django.utils.translation import gettext_lazy as _

MODEL_WORDS = {
    "cases.TeamMember": (_("verksamhet i teamet"), _("verksamheter i teamet")),
    "cases.CoordinatorAppointment": (_("val av samordnare"), _("val av samordnare")),
    "cases.Guardianship": (_("uppgift om vårdnad"), _("uppgifter om vårdnad")),
    "cases.ExternalContact": (_("extern kontakt"), _("externa kontakter")),
    "consent.ConsentScope": (_("del av ett samtycke"), _("delar av samtycken")),
    "consent.ConsentDecision": (_("svar på ett samtycke"), _("svar på samtycken")),
    "consent.MaturityAssessment": (_("mognadsbedömning"), _("mognadsbedömningar")),
    "consent.ConsentGrant": (_("gällande samtycke"), _("gällande samtycken")),
    "notifications.Notification": (_("notis"), _("notiser")),
}

FIELD_WORDS = {
    "uuid": _("id"),
    "user": _("konto i portalen"),
    "child": _("barn"),
    "guardian": _("vårdnadshavare"),
    "case": _("samverkan"),
    "consent": _("samtycke"),
    "agency": _("verksamhet"),
    "category": _("sorts uppgifter"),
    "owner_agency": _("öppnad av verksamheten"),
    "opened_by": _("öppnad av"),
    "opened_at": _("öppnad"),
    "coordinator": _("samordnare"),
    "coordinator_agency": _("samordnarens verksamhet"),
    "registered_by_agency": _("registrerad av"),
    "author_agency": _("skriven av verksamheten"),
    "created_by": _("skriven av"),
    "created_by_agency": _("skapad av verksamheten"),
    "created_at": _("skapad"),
    "updated_at": _("ändrad"),
    "recorded_by": _("registrerat av"),
    "recorded_by_agency": _("registrerat av verksamheten"),
    "recorded_at": _("registrerat"),
    "decided_at": _("när"),
    "decision": _("svar"),
    "method": _("hur svaret lämnades"),
    "is_child": _("barnets eget svar"),
    "oral_to": _("muntligt till"),
    "note": _("anteckning"),
    "status": _("läge"),
    "closed_at": _("avslutad"),
    "appointed_by": _("utsedd av"),
    "appointed_at": _("utsedd"),
    "handed_over_by": _("överlämnad av"),
    "wished_person": _("önskad person"),
    "ended_at": _("slutade"),
    "added_at": _("tillagd"),
    "left_at": _("lämnade"),
    "contact": _("kontaktperson"),
    "role_description": _("roll"),
    "kind": _("sort"),
    "read_at": _("läst"),
    "target_url": _("länk"),
    "email_state": _("e-post"),
    "pushed_at": _("skickad i portalen"),
    "series": _("samtyckesserie"),
    "version": _("version"),
    "level": _("nivå"),
    "reason": _("motivering"),
    "written_by_guardian": _("skrivet av vårdnadshavare"),
    "written_by_child": _("skrivet av barnet"),
    "meeting": _("möte"),
    "answered_by": _("svarat av"),
    "answered_at": _("svarat"),
    "agenda_item": _("punkt på dagordningen"),
    "goal": _("mål"),
    "plan": _("plan"),
    "responsible_agency": _("ansvarig verksamhet"),
    "responsible_external": _("ansvarig utanför portalen"),
    "completed_at": _("klar"),
    "invitation": _("inbjudan"),
    "decision_text": _("beslut"),
    "submitted_at": _("lämnad"),
    "shared_at": _("delad"),
    "started_at": _("började"),
    "municipality": _("kommun"),
}


def _is_automatic(name: str, auto: str) -> bool:
    return str(name).strip().lower() == auto.strip().lower()


def model_words(model: type[models.Model], count: int = 1) -> str:
    meta = model._meta
    auto_singular = camel_case_to_spaces(meta.object_name or "")
    if not _is_automatic(str(meta.verbose_name), auto_singular):
        return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)
    words = MODEL_WORDS.get(meta.label)
    if words is None:
        return str(_("uppgift") if count == 1 else _("uppgifter"))
    return str(words[0] if count == 1 else words[1])


def field_words(field: models.Field) -> str:
    verbose = str(field.verbose_name)
    if _is_automatic(verbose, field.name.replace("_", " ")):
        return str(FIELD_WORDS.get(field.name, verbose))
    return verbose
