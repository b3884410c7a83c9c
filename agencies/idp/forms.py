from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.idp.models import AgencyIdentityProvider
from portal import limits


class IdentityProviderForm(forms.ModelForm):
    oidc_client_secret = forms.CharField(
        label=_("Klienthemlighet"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Lämna tomt för att behålla den sparade hemligheten."),
        max_length=500,
        error_messages=limits.TOO_LONG,
    )

    class Meta:
        model = AgencyIdentityProvider
        fields = [
            "protocol",
            "is_enabled",
            "required",
            "email_domains",
            "saml_metadata_url",
            "saml_metadata_xml",
            "saml_entity_id",
            "oidc_issuer",
            "oidc_client_id",
            "oidc_client_secret",
            "oidc_scopes",
            "match_attribute",
            "email_attribute",
            "name_attribute",
            "mfa_values",
        ]
        widgets = {
            "protocol": forms.RadioSelect,
            "saml_metadata_xml": forms.Textarea(attrs={"rows": 6}),
            "mfa_values": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {name: limits.TOO_LONG for name in fields}

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("oidc_client_secret") and self.instance.pk:
            data["oidc_client_secret"] = self.instance.oidc_client_secret
        if data.get("required") and not data.get("is_enabled"):
            self.add_error("required", _("Inloggningen måste visas på inloggningssidan för att kunna krävas."))
        if data.get("protocol") == AgencyIdentityProvider.Protocol.OIDC:
            for name in ("oidc_issuer", "oidc_client_id"):
                if not data.get(name):
                    self.add_error(name, _("Fältet behövs för OpenID Connect."))
        elif not data.get("saml_metadata_url") and not (data.get("saml_metadata_xml") or "").strip():
            self.add_error("saml_metadata_url", _("Ange IdP:ns metadata-adress eller klistra in dess metadata."))
        return data


class StaffIdentityForm(forms.Form):
    membership = forms.UUIDField(widget=forms.HiddenInput)
    value = forms.CharField(
        label=_("Identitet hos IdP:n"), max_length=300, required=False, error_messages=limits.TOO_LONG
    )


class ChooseForm(forms.Form):
    agency = forms.UUIDField(label=_("Din verksamhet"), required=False)
    email = forms.EmailField(
        label=_("eller din e-postadress i tjänsten"), required=False, max_length=254, error_messages=limits.TOO_LONG
    )
