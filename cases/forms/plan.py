"""Forms of the mapping and the joint plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.base import (
    CaseForm,
    DateInput,
    WrittenByMixin,
)
from cases.models import Case, LifeArea, PlanAction, PlanGoal
from portal import limits


class MappingEntryForm(WrittenByMixin):
    area = forms.ChoiceField(label=_("Område"), choices=LifeArea.choices)
    current_state = forms.CharField(
        label=_("Så här är det nu"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    desired_state = forms.CharField(
        label=_("Så här vill familjen att det ska bli"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    is_priority = forms.BooleanField(label=_("Det här är viktigast just nu"), required=False)
    category = forms.ChoiceField(
        label=_("Vilken sorts information är det?"),
        required=False,
        help_text=_(
            "Andra verksamheter ser raden bara om familjens samtycke omfattar den här sortens information. "
            "Lämnar du förvalet får raden områdets kategori (se listan nedan)."
        ),
    )

    def set_categories(self, categories: list[Any]) -> None:
        """Offer the active categories (codes), with "the area's default" first."""
        self.choice_field("category").choices = [("", _("Förvalt för området"))] + [
            (c.code, c.label) for c in categories
        ]


class PlanForm(CaseForm):
    support_needed = forms.CharField(
        label=_("Vilket stöd behövs?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    overall_principal = forms.ChoiceField(label=_("Vilken huvudman har det övergripande ansvaret?"), required=False)
    others_do = forms.CharField(
        label=_("Vad gör andra?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Till exempel Försäkringskassan, Arbetsförmedlingen eller en förening."),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    coordinator_will = forms.CharField(
        label=_("Det här gör samordnaren"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    coordinator_will_not = forms.CharField(
        label=_("Det här gör inte samordnaren"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Samordnaren tar inte över vårdnadshavarnas ansvar, gör inte alla insatser och bär inte ensam "
            "en oro för barnet."
        ),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )

    def __init__(self, *args: Any, principals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("overall_principal").choices = [("", _("Inte bestämt"))] + [
            (str(p.pk), p.name) for p in principals
        ]


class PhaseForm(CaseForm):
    phase = forms.ChoiceField(label=_("Fas"), choices=[c for c in Case.Phase.choices if c[0] != Case.Phase.CLOSE])


class LevelForm(CaseForm):
    level = forms.ChoiceField(label=_("Samverkansnivå"), choices=Case.Level.choices)


class GoalForm(WrittenByMixin):
    prefix = "goal"  # several forms share a page: keep ids unique

    text = forms.CharField(
        label=_("Mål"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    area = forms.ChoiceField(label=_("Område"), choices=[("", _("Inget särskilt")), *LifeArea.choices], required=False)


class GoalUpdateForm(CaseForm):
    text = forms.CharField(
        label=_("Mål"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    area = forms.ChoiceField(label=_("Område"), choices=[("", _("Inget särskilt")), *LifeArea.choices], required=False)
    status = forms.ChoiceField(label=_("Läge"), choices=PlanGoal.Status.choices)


class ActionForm(WrittenByMixin):
    prefix = "action"  # several forms share a page: keep ids unique

    description = forms.CharField(
        label=_("Vad ska göras?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    responsible = forms.ChoiceField(label=_("Ansvarig verksamhet eller aktör"), required=False)
    responsible_person = forms.CharField(
        label=_("Ansvarig person"),
        max_length=200,
        required=False,
        help_text=_("Till exempel en vårdnadshavare, eller en namngiven person i verksamheten."),
        error_messages=limits.TOO_LONG,
    )
    due_date = forms.DateField(label=_("Klart senast"), widget=DateInput)
    goal = forms.ChoiceField(label=_("Hör till målet"), required=False)

    def __init__(self, *args: Any, agencies: list[Any], externals: list[Any], goals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("responsible").choices = [
            ("", _("Ingen verksamhet (ange person)")),
            (_("Verksamheter i teamet"), [(f"a:{a.pk}", a.name) for a in agencies]),
            (_("Andra aktörer"), [(f"e:{e.pk}", f"{e.organisation} – {e.name}") for e in externals]),
        ]
        self.choice_field("goal").choices = [("", _("Inget särskilt mål"))] + [(str(g.pk), g.text[:80]) for g in goals]

    def clean_due_date(self) -> Any:
        # A date in the window, unless it is the action's own date left as it was (an
        # action due long ago can still have its text corrected).
        value = self.cleaned_data["due_date"]
        if value != self.initial.get("due_date"):
            limits.PLANNED(value)
        return value

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        responsible = data.get("responsible") or ""
        return {
            "description": data["description"],
            "due_date": data["due_date"],
            "responsible_agency_id": int(responsible[2:]) if responsible.startswith("a:") else None,
            "responsible_external_id": int(responsible[2:]) if responsible.startswith("e:") else None,
            "responsible_person": data.get("responsible_person", ""),
            "goal_id": int(data["goal"]) if data.get("goal") else None,
        }


class ActionStatusForm(CaseForm):
    status = forms.ChoiceField(label=_("Läge"), choices=PlanAction.Status.choices)
