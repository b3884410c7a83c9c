from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from insights import periods
from insights.models import GapCategory, ServiceArea
from portal import limits


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} – {obj.description}" if obj.description else obj.name


class AgencyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.principal.name})"


def month_choices(count: int = 12) -> list[tuple[str, str]]:
    year, month = periods.current_month()
    choices = []
    for _i in range(count):
        label = formats.date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")
        choices.append((f"{year}-{month:02d}", label))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return choices


class GapForm(forms.Form):
    category = CategoryChoiceField(
        label=_("Vad för slags brist?"),
        queryset=GapCategory.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    service_area = forms.ModelChoiceField(
        label=_("Vilken del av stödsystemet gäller det?"),
        queryset=ServiceArea.objects.filter(is_active=True),
        empty_label=_("Välj"),
    )
    agencies_concerned = AgencyChoiceField(
        label=_("Berörda verksamheter (om någon)"),
        queryset=Agency.objects.filter(is_active=True).select_related("principal").order_by("principal__name", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_actor = forms.CharField(
        label=_("Annan berörd aktör"),
        max_length=200,
        required=False,
        help_text=_("Till exempel Försäkringskassan, Arbetsförmedlingen eller en förening."),
        error_messages=limits.TOO_LONG,
    )
    description = forms.CharField(
        label=_("Vad hände i stödsystemet?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=limits.SHORT,
        help_text=_(
            "Beskriv vad som inte fungerade, inte vem det hände. Skriv inga namn, personnummer eller "
            "detaljer som kan peka ut ett barn eller en familj."
        ),
        error_messages=limits.TOO_LONG,
    )
    period = forms.ChoiceField(label=_("När?"), help_text=_("Bara månaden sparas, inte dagen eller tiden."), choices=())
    confirm = forms.BooleanField(
        label=_("Jag har läst texten igen. Den innehåller inga uppgifter om en person."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = month_choices()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("period", month_choices(1)[0][0])

    def clean_period(self) -> tuple[int, int]:
        value = self.cleaned_data["period"]
        year, month = value.split("-")
        return int(year), int(month)


def parse_year(value: str | None) -> int:
    """A year a report may be asked for; this year for anything else."""
    years = periods.selectable_years()
    try:
        year = int(value or "")
    except ValueError:
        return years[0]
    return year if year in years else years[0]


class ReportFilterForm(forms.Form):
    """The GET form above a report (rendering only: the view parses and checks)."""

    huvudman = forms.ChoiceField(label=_("Huvudman"), choices=())
    ar = forms.TypedChoiceField(label=_("År"), coerce=int, choices=())

    def __init__(self, *args: Any, principals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["huvudman"].choices = [(str(p.uuid), p.name) for p in principals]  # type: ignore[attr-defined]
        self.fields["ar"].choices = [(y, str(y)) for y in periods.selectable_years()]  # type: ignore[attr-defined]
