"""Forms for drafting, co-signing and previewing letters."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Organisation
from campaign.models import MemberState, UNLanguage

from . import merge
from .models import Letter, LetterTemplate, LetterVersion


def _merge_errors(value: str) -> str:
    errors = merge.validate(value)
    if errors:
        raise ValidationError(errors)
    return value


class VersionForm(forms.Form):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text="Markdown. Placeholders and conditions: see the panel beside.",
    )
    status = forms.ChoiceField(
        choices=LetterVersion.Status.choices,
        initial=LetterVersion.Status.DRAFT,
        help_text="Ready: the drafters consider this language complete.",
    )

    def clean_subject(self):
        return _merge_errors(self.cleaned_data["subject"])

    def clean_body(self):
        return _merge_errors(self.cleaned_data["body"])


class NewLetterForm(VersionForm):
    title = forms.CharField(max_length=200, help_text="For staff; not sent.")
    lead = forms.ModelChoiceField(queryset=Organisation.objects.none())
    language = forms.ChoiceField(
        choices=UNLanguage.choices, initial=UNLanguage.ENGLISH, label="Language"
    )
    sign_off_deadline = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    field_order = ["title", "lead", "language", "sign_off_deadline", "subject", "body"]

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads
        self.fields.pop("status")


class StartFromForm(forms.Form):
    title = forms.CharField(max_length=200)
    lead = forms.ModelChoiceField(queryset=Organisation.objects.none())
    letter = forms.ModelChoiceField(
        queryset=Letter.objects.none(), required=False, label="Earlier letter"
    )
    template = forms.ModelChoiceField(
        queryset=LetterTemplate.objects.none(), required=False
    )

    def __init__(self, *args, leads, letters, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads
        self.fields["letter"].queryset = letters
        self.fields["letter"].label_from_instance = lambda letter: (
            f"{letter.title} — {letter.campaign}"
        )
        self.fields["template"].queryset = templates

    def clean(self):
        data = super().clean()
        if bool(data.get("letter")) == bool(data.get("template")):
            raise ValidationError("Choose one earlier letter or one template.")
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class InviteForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, letter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            cosignatures__letter=letter,
            cosignatures__status__in=["invited", "accepted"],
        )


class DeadlineForm(forms.Form):
    sign_off_deadline = forms.DateTimeField(
        required=False,
        label="Sign-off deadline",
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"},
            format="%Y-%m-%dT%H:%M",
        ),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        label="Template name",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class PreviewForm(forms.Form):
    state = forms.ModelChoiceField(
        queryset=MemberState.objects.all(),
        to_field_name="iso3",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    language = forms.ChoiceField(
        choices=UNLanguage.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
