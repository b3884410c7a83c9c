"""Bounded input (issue 18): every free-text field has a length limit in the model, the
form and the API serializer, said in one Swedish message; dates have sane windows; a
malformed id is a 400 or 404, never a 500.

The walks import every form and serializer of the project's apps and every model, so a
new text field without a limit fails here. Allowlists name the fields that are not free
text, each with its reason.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from access.scoping import system_scope
from cases.models import MappingEntry, PlanAction, PlanGoal
from meetings.forms import MeetingCallForm
from meetings.models import AgendaItem, Meeting
from portal import limits
from portal.models import ApiToken
from tests.cases.conftest import planned  # noqa: F401  (fixture)
from tests.meetings.conftest import at, consented  # noqa: F401  (fixture)
from tests.world import mark_reauthenticated

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "access",
    "accesslog",
    "agencies",
    "cases",
    "consent",
    "directory",
    "insights",
    "meetings",
    "notifications",
    "portal",
)
MESSAGE = str(limits.MESSAGE)

# Text-like fields that are not free text: their format bounds them.
FORM_FIELD_TYPES_EXEMPT = (forms.UUIDField,)  # a uuid: 36 characters or refused

# Serializers that only describe output (never validate input), with the reason.
OUTPUT_ONLY_SERIALIZERS = {
    "consent.api.ConsentSerializer": "the read-only shape of a consent version, documented for the schema",
    "meetings.api_serializers.InviteeSerializer": "an invitee inside an invitation (never input)",
    "portal.api_schema.ErrorSerializer": "the documented shape of an error answer (401/403/404)",
    "portal.api_schema.ValidationErrorSerializer": "the documented shape of a 400 answer",
}

# Model text fields with no limit, with the reason: none of them is typed by a person.
UNLIMITED_MODEL_FIELDS = {
    "idp.AgencyIdentityProvider.saml_x509cert": "read from the IdP's metadata by the portal",
    "idp.AgencyIdentityProvider.last_test_message": "written by the portal's connection test",
    "directory.SupportEntry.search_text": "derived by the portal from the entry's limited fields",
    "consent.AccessLoss.last_error": "an exception text written by the portal, cut at 2,000 characters",
}


def _modules() -> Iterator[Any]:
    """Every module of the apps that holds forms or serializers: forms*, api*, views*."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts or "templates" in rel.parts:
                continue
            if any(part.startswith(("forms", "api", "views")) for part in rel.parts[1:]):
                yield importlib.import_module(".".join(rel.parts))


def _classes(base: type) -> list[type]:
    found = {}
    for module in _modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


def _text_fields(serializer: serializers.BaseSerializer) -> Iterator[tuple[str, serializers.Field]]:
    for name, field in serializer.fields.items():  # type: ignore[attr-defined]
        if field.read_only:
            continue
        if isinstance(field, serializers.ListField):
            field, name = field.child, f"{name}[]"
        if isinstance(field, serializers.CharField):
            yield name, field


# --------------------------------------------------------------------------------------
# The walks
# --------------------------------------------------------------------------------------


def test_the_walks_find_the_forms_and_serializers():
    form_names = {cls.__name__ for cls in _classes(forms.BaseForm)}
    serializer_names = {cls.__name__ for cls in _classes(serializers.BaseSerializer)}
    assert {"MeetingCallForm", "ActionForm", "RequestForm", "IdentityProviderForm", "ReviewForm"} <= form_names
    assert {"MeetingCallInput", "PlanActionInput", "DecisionInSerializer", "CaseSerializer"} <= serializer_names
    assert len(form_names) > 40 and len(serializer_names) > 20


def test_every_form_text_field_has_a_limit_and_the_swedish_message():
    missing = []
    for form in _classes(forms.BaseForm):
        for name, field in form.base_fields.items():  # type: ignore[attr-defined]
            if not isinstance(field, forms.CharField) or isinstance(field, FORM_FIELD_TYPES_EXEMPT):
                continue
            where = f"{form.__module__}.{form.__name__}.{name}"
            if field.max_length is None:
                missing.append(f"{where}: no max_length")
            elif str(field.error_messages.get("max_length", "")) != MESSAGE:
                missing.append(f"{where}: not the shared message")
    assert missing == []


def test_every_serializer_text_field_has_a_limit():
    missing = []
    for cls in _classes(serializers.BaseSerializer):
        qualified = f"{cls.__module__}.{cls.__qualname__}"
        if qualified in OUTPUT_ONLY_SERIALIZERS:
            continue
        declared = set(getattr(cls, "_declared_fields", {}))
        for name, field in _text_fields(cls()):
            if field.max_length is None:
                missing.append(f"{qualified}.{name}: no max_length")
            # Fields a ModelSerializer builds from the model carry the model's limit in
            # DRF's words; they are output here. Input fields say it in the portal's.
            elif name.removesuffix("[]") in declared and str(field.error_messages["max_length"]) != MESSAGE:
                missing.append(f"{qualified}.{name}: not the shared message")
    assert missing == []


def test_every_model_text_field_has_a_limit_that_full_clean_enforces():
    missing = []
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in APPS:
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.CharField | models.TextField):
                continue
            label = f"{model._meta.app_label}.{model.__name__}.{field.name}"
            if label in UNLIMITED_MODEL_FIELDS:
                continue
            if field.max_length is None:
                missing.append(f"{label}: no max_length")
            elif not any(
                isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length for v in field.validators
            ):
                missing.append(f"{label}: no validator for its max_length")
    assert missing == []


def test_the_allowlists_name_real_fields():
    for label in UNLIMITED_MODEL_FIELDS:
        app_label, model_name, field_name = label.split(".")
        apps.get_model(app_label, model_name)._meta.get_field(field_name)
    for qualified in OUTPUT_ONLY_SERIALIZERS:
        module, name = qualified.rsplit(".", 1)
        assert inspect.isclass(getattr(importlib.import_module(module), name))


# --------------------------------------------------------------------------------------
# The shared validators
# --------------------------------------------------------------------------------------


def test_text_limit_says_how_long_the_text_may_be_and_is():
    with pytest.raises(ValidationError) as caught:
        limits.TextLimit(10)("x" * 12)
    assert caught.value.messages == ["Texten får vara högst 10 tecken (den är 12)."]


def test_date_window_refuses_dates_outside_it():
    window = limits.DateWindow(years_back=1, years_ahead=5)
    today = timezone.localdate()
    window(today)
    window(today - timedelta(days=364))
    with pytest.raises(ValidationError, match="tidigare än"):
        window(date(1900, 1, 1))
    with pytest.raises(ValidationError, match="senare än"):
        window(today + timedelta(days=6 * 366))
    limits.SANE_DATE(date(2030, 1, 1))
    with pytest.raises(ValidationError):
        limits.SANE_DATE(date(1900, 1, 1))


def test_model_full_clean_refuses_a_too_long_text(planned):  # noqa: F811
    with system_scope():
        action = PlanAction.objects.filter(case=planned.case).first()
        assert action is not None
        action.description = "x" * (limits.SHORT + 1)
        with pytest.raises(ValidationError) as caught:
            action.full_clean()
    assert caught.value.message_dict["description"] == [
        f"Texten får vara högst {limits.SHORT} tecken (den är {limits.SHORT + 1})."
    ]


# --------------------------------------------------------------------------------------
# Behaviour: too long, too early, malformed
# --------------------------------------------------------------------------------------

TOO_LONG_PURPOSE = "Syfte med mötet." * 3_500  # 56,000 characters: stored and mailed before the limits


def _call_form(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "purpose": "Planera stödet tillsammans.",
        "day": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "start": "13:00",
        "end": "14:30",
        "place": "Testskolan, rum 12",
        "video_link": "",
        "preparation_due": "",
        "agenda": "Hur går det?\nNästa steg",
        "agencies": [str(world.school.pk), str(world.health.pk)],
        "invite_child": "",
    }
    data.update(overrides)
    return data


def _call_payload(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "case": str(world.case.uuid),
        "purpose": "Planera stödet tillsammans.",
        "starts_at": at(7).isoformat(),
        "ends_at": at(7, 14).isoformat(),
        "place": "Testskolan, rum 12",
        "agenda": ["Hur går det?"],
        "agencies": [str(world.school.uuid)],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_too_long_meeting_purpose_is_refused_on_the_page_and_nothing_is_stored(consented):  # noqa: F811
    client = consented.client_for(consented.coordinator)
    response = client.post(
        reverse("meetings:call", args=[consented.case.uuid]), _call_form(consented, purpose=TOO_LONG_PURPOSE)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"Texten får vara högst {limits.TEXT} tecken (den är {len(TOO_LONG_PURPOSE)})." in html
    with system_scope():
        assert Meeting.objects.count() == 0


@pytest.mark.django_db
def test_too_long_meeting_purpose_is_refused_by_the_api_and_nothing_is_stored(consented):  # noqa: F811
    client = consented.client_for(consented.coordinator)
    response = client.post(
        "/api/v1/meetings/", _call_payload(consented, purpose=TOO_LONG_PURPOSE), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["purpose"] == [
        f"Texten får vara högst {limits.TEXT} tecken (den är {len(TOO_LONG_PURPOSE)})."
    ]
    with system_scope():
        assert Meeting.objects.count() == 0


@pytest.mark.django_db
def test_too_long_agenda_line_is_refused_with_its_number_not_cut(consented):  # noqa: F811
    long_line = "Punkt " * 50  # 300 characters: was silently cut to 200
    form = MeetingCallForm(_call_form(consented, agenda=f"Hur går det?\n{long_line}"))
    form.fields["agencies"].choices = [(str(consented.school.pk), "")]  # type: ignore[attr-defined]
    assert not form.is_valid()
    assert form.errors["agenda"] == [
        f"Punkt 2 är för lång: högst {limits.NAME} tecken per rad (den är {len(long_line.strip())})."
    ]
    client = consented.client_for(consented.coordinator)
    response = client.post(
        "/api/v1/meetings/",
        _call_payload(consented, agenda=["Hur går det?", long_line]),
        content_type="application/json",
    )
    assert response.status_code == 400 and "agenda" in response.json()
    with system_scope():
        assert Meeting.objects.count() == 0 and AgendaItem.objects.count() == 0


@pytest.mark.django_db
def test_meeting_years_ahead_is_refused(consented):  # noqa: F811
    client = consented.client_for(consented.coordinator)
    far = (timezone.localdate() + timedelta(days=3 * 366)).isoformat()
    response = client.post(reverse("meetings:call", args=[consented.case.uuid]), _call_form(consented, day=far))
    assert response.status_code == 400 and "Datumet kan inte vara senare än" in response.content.decode()
    with system_scope():
        assert Meeting.objects.count() == 0


@pytest.mark.django_db
def test_plan_action_due_in_1900_is_refused_on_the_page_and_by_the_api(planned):  # noqa: F811
    world = planned
    client = world.client_for(world.coordinator)
    with system_scope():
        before = PlanAction.objects.count()
    response = client.post(
        reverse("cases:action_add", args=[world.case.uuid]),
        {
            "action-description": "Ny insats",
            "action-due_date": "1900-01-01",
            "action-responsible": f"a:{world.social.pk}",
        },
    )
    assert response.status_code == 400 and "Datumet kan inte vara tidigare än" in response.content.decode()
    response = client.post(
        "/api/v1/plan-actions/",
        {"case": str(world.case.uuid), "description": "Ny insats", "due_date": "1900-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["due_date"][0].startswith("Datumet kan inte vara tidigare än")
    with system_scope():
        assert PlanAction.objects.count() == before


@pytest.mark.django_db
def test_an_old_due_date_left_as_it_was_does_not_block_an_edit(planned):  # noqa: F811
    world = planned
    client = world.client_for(world.coordinator)
    long_ago = timezone.localdate() - timedelta(days=800)
    with system_scope():
        action = PlanAction.objects.filter(case=world.case, responsible_agency=world.school).get()
        PlanAction.objects.filter(pk=action.pk).update(due_date=long_ago)
    response = client.patch(
        f"/api/v1/plan-actions/{action.uuid}/", {"description": "Rättad text"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    response = client.patch(
        f"/api/v1/plan-actions/{action.uuid}/",
        {"due_date": (long_ago - timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_too_long_plan_action_is_refused_by_the_api(planned):  # noqa: F811
    world = planned
    client = world.client_for(world.coordinator)
    response = client.post(
        "/api/v1/plan-actions/",
        {
            "case": str(world.case.uuid),
            "description": "x" * (limits.SHORT + 1),
            "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "responsible_agency": str(world.social.uuid),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["description"] == [
        f"Texten får vara högst {limits.SHORT} tecken (den är {limits.SHORT + 1})."
    ]


@pytest.mark.django_db
def test_malformed_from_mapping_is_404_not_500(planned):  # noqa: F811
    world = planned
    client = world.client_for(world.coordinator)
    with system_scope():
        goals = PlanGoal.objects.count()
    response = client.post(
        reverse("cases:goal_add", args=[world.case.uuid]), {"goal-text": "Ett mål", "from_mapping": "not-a-uuid"}
    )
    assert response.status_code == 404
    with system_scope():
        assert PlanGoal.objects.count() == goals
        entry = MappingEntry.objects.filter(case=world.case).first()
    assert entry is not None
    response = client.post(
        reverse("cases:goal_add", args=[world.case.uuid]), {"goal-text": "Ett mål", "from_mapping": str(entry.uuid)}
    )
    assert response.status_code in (302, 303)


@pytest.mark.django_db
def test_malformed_meeting_filter_in_the_api_matches_nothing(consented):  # noqa: F811
    client = consented.client_for(consented.coordinator)
    for url in ("/api/v1/meeting-invitations/?meeting=not-a-uuid", "/api/v1/meeting-preparations/?meeting=not-a-uuid"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json()["results"] == []


@pytest.mark.django_db
def test_malformed_support_entry_id_is_a_message_not_500(planned):  # noqa: F811
    world = planned
    client = world.client_for(world.coordinator)
    with system_scope():
        action = PlanAction.objects.filter(case=world.case).first()
    assert action is not None
    url = reverse("directory:link_action", args=[action.uuid])
    response = client.post(url, {"stod": "not-a-uuid"})
    assert response.status_code < 500


@pytest.mark.django_db
def test_malformed_membership_id_for_an_idp_identity_is_a_message_not_500(world):
    client = world.client_for(world.school_admin)
    mark_reauthenticated(client, world.school_admin.user)
    response = client.post(reverse("idp:identity"), {"membership": "not-a-uuid", "value": "HSA-1"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_too_long_api_key_name_is_refused_not_cut(world):
    client = world.client_for(world.school_staff)
    mark_reauthenticated(client, world.school_staff.user)
    response = client.post(reverse("agencies:api_token_create"), {"name": "n" * 101}, follow=True)
    assert "Texten får vara högst 100 tecken (den är 101)." in response.content.decode()
    with system_scope():
        assert not ApiToken.objects.exists()
