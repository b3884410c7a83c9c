"""Forms of the collaboration pages: they parse input; the services decide.

The plan's forms are in `cases.forms.plan`, re-exported here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms.base import (
    STRESS_CHOICES,
    YES_NO,
    YES_NO_UNKNOWN,
    CaseForm,
    DateInput,
    DateTimeInput,
    WrittenByMixin,
    _yes,
    written_by_choices,
)
from cases.forms.plan import (
    ActionForm,
    ActionStatusForm,
    GoalForm,
    GoalUpdateForm,
    LevelForm,
    MappingEntryForm,
    PhaseForm,
    PlanForm,
)
from cases.models import Case, CoordinatorAppointment, FamilyMember
from portal import limits


class ChildSearchForm(CaseForm):
    personal_number = forms.CharField(
        label=_("Barnets personnummer"),
        max_length=20,
        help_text=_("Tolv siffror, ÅÅÅÅMMDD-NNNN. Sökningen är exakt och visar bara barn du redan har tillgång till."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        error_messages=limits.TOO_LONG,
    )


class CaseOpenForm(CaseForm):
    personal_number = forms.CharField(widget=forms.HiddenInput, max_length=20, error_messages=limits.TOO_LONG)
    first_name = forms.CharField(
        label=_("Barnets förnamn"), max_length=100, required=False, error_messages=limits.TOO_LONG
    )
    last_name = forms.CharField(
        label=_("Barnets efternamn"), max_length=100, required=False, error_messages=limits.TOO_LONG
    )
    language = forms.CharField(
        label=_("Språk hemma"), max_length=60, required=False, initial="svenska", error_messages=limits.TOO_LONG
    )
    interpreter_needed = forms.BooleanField(label=_("Familjen behöver tolk"), required=False)
    protected_identity = forms.BooleanField(label=_("Barnet har skyddade personuppgifter"), required=False)
    need_description = forms.CharField(
        label=_("Behovet med familjens egna ord"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Skriv som familjen säger det. Familjen kan läsa det här."),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    level = forms.ChoiceField(
        label=_("Hur nära behöver ni samarbeta?"),
        choices=Case.Level.choices,
        initial=Case.Level.LIGHT,
        widget=forms.RadioSelect,
        help_text=_("Nivån kan ändras senare, när ni vet mer."),
    )
    stress_at_start = forms.ChoiceField(
        label=_("Hur stressad känner sig familjen just nu? (1–10)"),
        choices=STRESS_CHOICES,
        required=False,
        help_text=_("Familjens egen skattning. Används för uppföljning utan namn."),
    )

    def __init__(self, *args: Any, known_child: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if known_child:
            for name in ("first_name", "last_name", "language", "interpreter_needed", "protected_identity"):
                del self.fields[name]


class GuardianForm(CaseForm):
    personal_number = forms.CharField(label=_("Personnummer"), max_length=20, error_messages=limits.TOO_LONG)
    first_name = forms.CharField(label=_("Förnamn"), max_length=100, error_messages=limits.TOO_LONG)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100, error_messages=limits.TOO_LONG)
    has_custody = forms.ChoiceField(
        label=_("Har vårdnad om barnet"), choices=YES_NO, initial="yes", widget=forms.RadioSelect
    )
    lives_with_child = forms.BooleanField(label=_("Bor med barnet"), required=False, initial=True)
    protected_identity = forms.BooleanField(
        label=_("Skyddade personuppgifter"),
        required=False,
        help_text=_(
            "Adress och kontaktuppgifter visas då bara för din egen verksamhet. Inbjudningar går via portalen."
        ),
    )
    email = forms.EmailField(label=_("E-post"), required=False, max_length=254, error_messages=limits.TOO_LONG)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False, error_messages=limits.TOO_LONG)
    address = forms.CharField(label=_("Adress"), max_length=300, required=False, error_messages=limits.TOO_LONG)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["has_custody"] = data["has_custody"] == "yes"
        return data


class GuardianshipForm(CaseForm):
    has_custody = forms.ChoiceField(label=_("Har vårdnad om barnet"), choices=YES_NO, widget=forms.RadioSelect)
    lives_with_child = forms.BooleanField(label=_("Bor med barnet"), required=False)


class FamilyMemberForm(WrittenByMixin):
    prefix = "member"  # several forms share a page: keep ids unique

    relation = forms.ChoiceField(label=_("Relation till barnet"), choices=FamilyMember.Relation.choices)
    guardian = forms.ChoiceField(label=_("Är det en av vårdnadshavarna?"), required=False)
    name = forms.CharField(label=_("Namn"), max_length=200, required=False, error_messages=limits.TOO_LONG)
    lives_with_child = forms.BooleanField(label=_("Bor med barnet"), required=False, initial=True)
    needs = forms.CharField(
        label=_("Egna behov av stöd"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Det kan vara den vuxna som behöver stöd, till exempel för att orka eller komma tillbaka till arbete."
        ),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )

    def set_family(self, guardianships: list[Any]) -> None:
        super().set_family(guardianships)
        self.choice_field("guardian").choices = [("", _("Nej"))] + [
            (str(g.guardian_id), g.guardian.full_name) for g in guardianships
        ]


class AppointForm(CaseForm):
    wish = forms.ChoiceField(
        label=_("Vad önskar barnet?"),
        choices=CoordinatorAppointment.Wish.choices,
        widget=forms.RadioSelect,
        help_text=_("Fråga barnet först vem hen vill vända sig till."),
    )
    wished_membership = forms.ChoiceField(label=_("Önskad person i portalen"), required=False)
    wished_person_text = forms.CharField(
        label=_("Eller skriv namnet på den barnet önskar"),
        max_length=200,
        required=False,
        error_messages=limits.TOO_LONG,
    )
    child_words = forms.CharField(
        label=_("Barnets egna ord"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    coordinator = forms.ChoiceField(label=_("Samordnare"))
    deviation_reason = forms.CharField(
        label=_("Skäl till avsteg från barnets önskan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Krävs om någon annan än den barnet önskar blir samordnare. Familjen kan läsa skälet."),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    end_reason = forms.CharField(
        label=_("Varför byts samordnaren?"),
        max_length=200,
        required=False,
        help_text=_("Till exempel föräldraledighet, sjukskrivning eller ny tjänst."),
        error_messages=limits.TOO_LONG,
    )

    def __init__(self, *args: Any, candidates: list[Any], changing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grouped: dict[str, list[tuple[str, str]]] = {}
        for membership in candidates:
            label = membership.user.full_name + (f", {membership.title}" if membership.title else "")
            grouped.setdefault(membership.agency.name, []).append((str(membership.pk), label))
        choices = [(agency, options) for agency, options in grouped.items()]
        self.choice_field("coordinator").choices = [("", _("Välj samordnare")), *choices]
        self.choice_field("wished_membership").choices = [("", _("Ingen i listan")), *choices]
        if not changing:
            del self.fields["end_reason"]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "wish": data["wish"],
            "wished_membership_id": int(data["wished_membership"]) if data.get("wished_membership") else None,
            "wished_person_text": data.get("wished_person_text", ""),
            "child_words": data.get("child_words", ""),
            "coordinator_membership_id": int(data["coordinator"]) if data.get("coordinator") else None,
            "deviation_reason": data.get("deviation_reason", ""),
            "end_reason": data.get("end_reason", ""),
        }


class HandoverForm(CaseForm):
    guardians_informed_at = forms.DateTimeField(
        label=_("När fick vårdnadshavarna veta vem som är samordnare?"),
        widget=DateTimeInput,
        validators=[limits.HAPPENED],
    )
    child_informed_at = forms.DateTimeField(
        label=_("När fick barnet veta det?"),
        widget=DateTimeInput,
        required=False,
        validators=[limits.HAPPENED],
        help_text=_("Utifrån barnets ålder och mognad. Lämna tomt om barnet inte har informerats."),
    )
    note = forms.CharField(
        label=_("Anteckning om överlämningen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )


class TeamAddForm(CaseForm):
    agency = forms.ChoiceField(label=_("Verksamhet"))
    role_description = forms.CharField(
        label=_("Roll i samverkan"), max_length=200, required=False, error_messages=limits.TOO_LONG
    )

    def __init__(self, *args: Any, agencies: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("agency").choices = [("", _("Välj verksamhet"))] + [(str(a.pk), a.name) for a in agencies]


class ExternalContactForm(CaseForm):
    prefix = "external"  # several forms share a page: keep ids unique

    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_("Till exempel Försäkringskassan, Arbetsförmedlingen eller en förening."),
        error_messages=limits.TOO_LONG,
    )
    name = forms.CharField(label=_("Kontaktperson"), max_length=200, error_messages=limits.TOO_LONG)
    role_description = forms.CharField(label=_("Roll"), max_length=200, required=False, error_messages=limits.TOO_LONG)
    email = forms.EmailField(label=_("E-post"), required=False, max_length=254, error_messages=limits.TOO_LONG)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False, error_messages=limits.TOO_LONG)


class CloseForm(CaseForm):
    reason = forms.ChoiceField(label=_("Varför avslutas samverkan?"), choices=Case.ClosureReason.choices)
    note = forms.CharField(
        label=_("Kommentar"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    stress_at_start = forms.ChoiceField(
        label=_("Familjens stress när samverkan började (1–10)"), choices=STRESS_CHOICES, required=False
    )
    stress_at_close = forms.ChoiceField(
        label=_("Familjens stress nu (1–10)"),
        choices=STRESS_CHOICES,
        required=False,
        help_text=_("Fråga familjen. Används för uppföljning utan namn."),
    )
    parent_back_to_work = forms.ChoiceField(
        label=_("Är en förälder tillbaka i arbete eller studier?"), choices=YES_NO_UNKNOWN, required=False
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "note": data.get("note", ""),
            "stress_at_start": int(data["stress_at_start"]) if data.get("stress_at_start") else None,
            "stress_at_close": int(data["stress_at_close"]) if data.get("stress_at_close") else None,
            "parent_back_to_work": _yes(data.get("parent_back_to_work")),
        }


class ConcernForm(CaseForm):
    reported_on = forms.DateField(label=_("Datum då du gjorde anmälan"), widget=DateInput, validators=[limits.HAPPENED])
    municipality = forms.ChoiceField(label=_("Till socialtjänsten i kommun"))

    def __init__(self, *args: Any, municipalities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("municipality").choices = [("", _("Välj kommun"))] + [
            (str(p.pk), p.name) for p in municipalities
        ]
        self.fields["reported_on"].initial = timezone.localdate()


class SharedItemForm(CaseForm):
    category = forms.ChoiceField(
        label=_("Sorts uppgifter"),
        help_text=_("Andra verksamheter ser det bara om familjen har samtyckt till just den sortens uppgifter."),
    )
    title = forms.CharField(label=_("Rubrik"), max_length=200, error_messages=limits.TOO_LONG)
    body = forms.CharField(
        label=_("Det du vill dela"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("En sammanfattning för teamet. Journalen eller akten finns kvar i din verksamhets eget system."),
        max_length=limits.LONG,
        error_messages=limits.TOO_LONG,
    )

    def __init__(self, *args: Any, categories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("category").choices = [("", _("Välj"))] + [(str(c.pk), c.label) for c in categories]


class ContactForm(CaseForm):
    on = forms.DateField(label=_("Datum för kontakten"), widget=DateInput, validators=[limits.HAPPENED])


__all__ = [
    "STRESS_CHOICES",
    "YES_NO",
    "YES_NO_UNKNOWN",
    "ActionForm",
    "ActionStatusForm",
    "AppointForm",
    "CaseForm",
    "CaseOpenForm",
    "ChildSearchForm",
    "CloseForm",
    "ConcernForm",
    "ContactForm",
    "DateInput",
    "DateTimeInput",
    "ExternalContactForm",
    "FamilyMemberForm",
    "GoalForm",
    "GoalUpdateForm",
    "GuardianForm",
    "GuardianshipForm",
    "HandoverForm",
    "LevelForm",
    "MappingEntryForm",
    "PhaseForm",
    "PlanForm",
    "SharedItemForm",
    "TeamAddForm",
    "WrittenByMixin",
    "written_by_choices",
]
