from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Principal
from directory.models import MAX_AGE, NeedKind
from directory.selectors import Filters
from portal import limits


class SearchForm(forms.Form):
    """The public search (GET). Invalid parts are ignored rather than refused: a visitor
    following an old link still gets a list."""

    q = forms.CharField(label=_("Sök"), required=False, max_length=100, error_messages=limits.TOO_LONG)
    omrade = forms.ChoiceField(label=_("Kommun eller region"), required=False, choices=())
    alder = forms.IntegerField(label=_("Barnets ålder"), required=False, min_value=0, max_value=MAX_AGE)
    behov = forms.ChoiceField(label=_("Typ av behov"), required=False, choices=())

    def __init__(self, *args: Any, areas: list[Principal], needs: list[NeedKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._areas = {str(p.uuid): p for p in areas}
        self._needs = {n.code: n for n in needs}
        municipalities = [(str(p.uuid), p.name) for p in areas if p.kind == Principal.Kind.MUNICIPALITY]
        regions = [(str(p.uuid), p.name) for p in areas if p.kind == Principal.Kind.REGION]
        self.fields["omrade"].choices = [  # type: ignore[attr-defined]
            ("", _("Alla")),
            (_("Kommuner"), municipalities),
            (_("Regioner"), regions),
        ]
        self.fields["behov"].choices = [("", _("Alla"))] + [(n.code, n.name) for n in needs]  # type: ignore[attr-defined]

    def filters(self) -> Filters:
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            text=(data.get("q") or "").strip(),
            area=self._areas.get(data.get("omrade") or ""),
            age=data.get("alder"),
            need=self._needs.get(data.get("behov") or ""),
        )


class NeedChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class EntryForm(forms.Form):
    name = forms.CharField(label=_("Vad heter stödet?"), max_length=200, error_messages=limits.TOO_LONG)
    summary = forms.CharField(
        label=_("Vad är det?"),
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Skriv kort och enkelt, som du skulle förklara för en förälder."),
        error_messages=limits.TOO_LONG,
    )
    for_whom = forms.CharField(
        label=_("För vem?"), max_length=800, widget=forms.Textarea(attrs={"rows": 3}), error_messages=limits.TOO_LONG
    )
    how_to_apply = forms.CharField(
        label=_("Så ansöker du"),
        max_length=1200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=limits.TOO_LONG,
    )
    provider = forms.CharField(
        label=_("Vem ger stödet?"),
        max_length=200,
        help_text=_("Till exempel Region Sörmland eller en förening."),
        error_messages=limits.TOO_LONG,
    )
    cost = forms.CharField(label=_("Kostar det något?"), max_length=200, required=False, error_messages=limits.TOO_LONG)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False, error_messages=limits.TOO_LONG)
    email = forms.EmailField(label=_("E-post"), required=False, max_length=254, error_messages=limits.TOO_LONG)
    website = forms.URLField(
        label=_("Webbplats"), required=False, assume_scheme="https", max_length=200, error_messages=limits.TOO_LONG
    )
    address = forms.CharField(label=_("Besöksadress"), max_length=300, required=False, error_messages=limits.TOO_LONG)
    age_min = forms.IntegerField(label=_("Från ålder"), min_value=0, max_value=MAX_AGE, initial=0)
    age_max = forms.IntegerField(label=_("Till och med ålder"), min_value=0, max_value=MAX_AGE, initial=MAX_AGE)
    needs = NeedChoiceField(
        label=_("Typer av behov"), queryset=NeedKind.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    principal = forms.ModelChoiceField(
        label=_("Ansvarig huvudman"), queryset=Principal.objects.order_by("-kind", "name"), empty_label=None
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Finns för boende i"),
        queryset=Principal.objects.filter(kind=Principal.Kind.MUNICIPALITY).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    nationwide = forms.BooleanField(label=_("Stödet finns i hela landet"), required=False)

    DATA_FIELDS = [
        "name",
        "summary",
        "for_whom",
        "how_to_apply",
        "provider",
        "cost",
        "phone",
        "email",
        "website",
        "address",
        "age_min",
        "age_max",
        "nationwide",
    ]

    def data_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.DATA_FIELDS}

    @classmethod
    def initial_for(cls, entry: Any) -> dict[str, Any]:
        initial = {name: getattr(entry, name) for name in cls.DATA_FIELDS}
        initial.update(
            needs=list(entry.needs.all()),
            municipalities=list(entry.municipalities.all()),
            principal=entry.principal,
        )
        return initial
