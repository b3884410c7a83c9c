"""Forms of the consent pages. Labels are plain Swedish; every input has one."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.models import ConsentDecision, InformationCategory, MaturityAssessment
from portal import limits


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    """Information categories shown by their label in the reader's language."""

    def label_from_instance(self, obj: InformationCategory) -> str:
        return obj.label


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class RequestForm(forms.Form):
    """The coordinator asks the family: recipients from the team × categories, purpose, period."""

    agencies = forms.MultipleChoiceField(
        label=_("Vilka verksamheter ska få se uppgifterna?"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Bara verksamheter som är med i samverkan kan väljas."),
    )
    categories = CategoryChoiceField(
        label=_("Vilka sorters uppgifter?"),
        queryset=InformationCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(
        label=_("Syfte"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.SHORT,
        help_text=_("Skriv med enkla ord varför uppgifterna behöver delas. Familjen ser texten."),
        error_messages=limits.TOO_LONG,
    )
    valid_from = forms.DateField(label=_("Gäller från"), widget=DateInput(), validators=[limits.CONSENT_START])
    valid_until = forms.DateField(
        label=_("Gäller till och med"),
        widget=DateInput(),
        validators=[limits.CONSENT_END],
        help_text=_("Normalt 12 månader."),
    )

    def __init__(self, *args: Any, team: list[Any], months: int = 12, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {"valid_from": today, "valid_until": today + relativedelta(months=months) - timedelta(days=1)},
        )
        super().__init__(*args, **kwargs)
        _choice_field(self, "agencies").choices = [(str(a.pk), a.name) for a in team]
        categories = self.fields["categories"]
        assert isinstance(categories, forms.ModelMultipleChoiceField)
        categories.queryset = InformationCategory.objects.filter(is_active=True)
        # Read the choices now, in the view: the field's own iterator would query the
        # categories again while the form renders. Validation still goes by the queryset.
        categories.choices = [(c.pk, categories.label_from_instance(c)) for c in categories.queryset]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("valid_from")
        end: date | None = data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Slutdatum kan inte vara före startdatum."))
        return data


class RecordForm(forms.Form):
    """Staff record an answer given on paper or orally."""

    party = forms.ChoiceField(label=_("Vems svar?"), widget=forms.RadioSelect)
    decision = forms.ChoiceField(
        label=_("Svar"),
        widget=forms.RadioSelect,
        choices=[
            (ConsentDecision.Decision.GRANTED, _("Ja, samtycker")),
            (ConsentDecision.Decision.REFUSED, _("Nej, samtycker inte")),
            (ConsentDecision.Decision.REVOKED, _("Tar tillbaka sitt samtycke")),
        ],
    )
    method = forms.ChoiceField(
        label=_("Hur lämnades svaret?"),
        widget=forms.RadioSelect,
        choices=[
            (ConsentDecision.Method.PAPER, _("På papper (underskrivet)")),
            (ConsentDecision.Method.ORAL, _("Muntligt till namngiven personal")),
        ],
    )
    oral_to = forms.ChoiceField(
        label=_("Vem tog emot det muntliga svaret?"),
        required=False,
        help_text=_("Krävs för muntliga svar. Personal i din verksamhet."),
    )
    note = forms.CharField(
        label=_("Anteckning (valfri)"),
        required=False,
        max_length=300,
        help_text=_("Till exempel var pappret förvaras. Skriv inga känsliga uppgifter."),
        error_messages=limits.TOO_LONG,
    )

    def __init__(self, *args: Any, parties: list[tuple[str, str]], staff: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "party").choices = parties
        _choice_field(self, "oral_to").choices = [("", _("Välj person")), *staff]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("method") == ConsentDecision.Method.ORAL and not data.get("oral_to"):
            self.add_error("oral_to", _("Ange vem i personalen som tog emot det muntliga svaret."))
        return data


class NarrowForm(forms.Form):
    """Untick what may no longer be shared. The ticked pairs are kept."""

    keep = forms.MultipleChoiceField(label=_("Det här får delas"), widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args: Any, pairs: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"keep": [value for value, _label in pairs]})
        super().__init__(*args, **kwargs)
        _choice_field(self, "keep").choices = pairs


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Kod"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Sex siffror."),
        error_messages=limits.TOO_LONG,
    )


class MaturityForm(forms.Form):
    level = forms.ChoiceField(label=_("Bedömning"), widget=forms.RadioSelect, choices=MaturityAssessment.Level.choices)
    reason = forms.CharField(
        label=_("Motivering"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.SHORT,
        help_text=_("Varför bedömer du barnets mognad så? Familjen kan se motiveringen."),
        error_messages=limits.TOO_LONG,
    )
