"""Forms of the collaboration pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CoordinatorAppointment, FamilyMember, LifeArea, PlanAction, PlanGoal
from portal import limits

YES_NO = [("yes", _("Ja")), ("no", _("Nej"))]
YES_NO_UNKNOWN = [("", _("Vet inte / inte svarat")), ("yes", _("Ja")), ("no", _("Nej"))]
STRESS_CHOICES = [("", _("Inte svarat"))] + [(str(n), str(n)) for n in range(1, 11)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class CaseForm(forms.Form):
    """Labels without a trailing colon (Swedish forms rarely use one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


def _yes(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def written_by_choices(guardianships: list[Any]) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", _("Personal"))]
    for guardianship in guardianships:
        choices.append((f"g:{guardianship.guardian_id}", f"{guardianship.guardian.full_name} ({_('vårdnadshavare')})"))
    choices.append(("child", _("Barnet självt")))
    return choices


class WrittenByMixin(CaseForm):
    written_by = forms.ChoiceField(
        label=_("Vem har skrivit det?"),
        required=False,
        help_text=_("Det som familjen har skrivit eller sagt med egna ord märks som familjens."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["written_by"] = self.fields.pop("written_by")  # asked last, after the content

    def set_family(self, guardianships: list[Any]) -> None:
        self.choice_field("written_by").choices = written_by_choices(guardianships)

    def written_by_kwargs(self) -> dict[str, Any]:
        value = self.cleaned_data.get("written_by") or ""
        if value.startswith("g:"):
            return {"written_by_guardian_id": int(value[2:]), "written_by_child": False}
        return {"written_by_guardian_id": None, "written_by_child": value == "child"}


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
