"""Forms for sign-in, invitations, members, private data and the audit."""

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm

from campaign.models import Campaign, MemberState

from .models import (
    AuditAction,
    AuditEvent,
    Contact,
    ContactList,
    Note,
    Organisation,
    Role,
    User,
)


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True})
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)


class NewAccountForm(forms.Form):
    """Accepting an invitation without an account: a name and a password."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords differ.")
        elif one:
            candidate = User(
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(one, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ExistingAccountForm(forms.Form):
    """Accepting an invitation with an account: its password proves who you are."""

    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, email: str, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.email, self.request = email, request

    def clean_password(self):
        password = self.cleaned_data["password"]
        # Through authenticate(), so django-axes counts failures here too.
        if authenticate(self.request, username=self.email, password=password) is None:
            raise forms.ValidationError("That is not the password of this account.")
        return password


class OTPTokenForm(forms.Form):
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6-digit code."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class InviteMemberForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.DRAFTER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "short_name", "website", "email", "country", "logo"]


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["title", "body", "campaign", "state"]

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(
            participations__organisation=organisation
        ).distinct()
        self.fields["state"].queryset = MemberState.objects.order_by("name")


class ContactListForm(forms.ModelForm):
    class Meta:
        model = ContactList
        fields = ["name", "description"]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "affiliation", "notes"]


class PartnerInviteForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            participations__campaign=campaign,
            participations__status__in=["accepted", "invited"],
        )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditAction.choices], required=False
    )
    person = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        # Former members too: the log outlives memberships.
        self.fields["person"].queryset = User.objects.filter(
            pk__in=AuditEvent.objects.of(organisation).values("actor")
        )
