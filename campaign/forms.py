"""Forms for the UN record: staff uploads, vote-day entry, stances, public filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User

from .models import Cosponsorship, Participation, Position, RegionalGroup, Stance

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class CSVUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        data = upload.read()
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not UTF-8 text (byte %(pos)s).") % {"pos": exc.start}
            ) from exc
        return data


class VoteGridForm(forms.Form):
    """One Y/N/A/X box per voting member, with the value it held when shown.

    Only rows whose box differs from the value shown are changes, so two people
    entering different parts of the list do not undo each other's work.
    """

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    fill_blank = forms.BooleanField(
        required=False, label=_("Record every empty row as non-voting")
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for state in self.members:
            self.fields[f"pos-{state.iso3}"] = forms.CharField(
                required=False, max_length=1, label=state.name
            )
            self.fields[f"was-{state.iso3}"] = forms.CharField(
                required=False, widget=forms.HiddenInput
            )

    def clean(self):
        data = super().clean()
        for state in self.members:
            name = f"pos-{state.iso3}"
            value = (data.get(name) or "").strip().upper()
            if value and value not in Position.values:
                self.add_error(name, _("Type Y, N, A or X."))
            data[name] = value
        return data

    def entered(self) -> dict[str, str]:
        """What each row shows now, valid or not."""
        return {
            s.iso3: (self[f"pos-{s.iso3}"].value() or "").strip().upper()
            for s in self.members
        }

    def changes(self) -> dict[str, str]:
        result = {}
        for state in self.members:
            now = self.cleaned_data[f"pos-{state.iso3}"]
            was = (self.cleaned_data.get(f"was-{state.iso3}") or "").upper()
            if not now and self.cleaned_data["fill_blank"]:
                now = Position.NON_VOTING
            if now != was:
                result[state.iso3] = now
        return result

    def rows(self):
        for state in self.members:
            yield state, self[f"pos-{state.iso3}"], self[f"was-{state.iso3}"]


class AnnexForm(forms.Form):
    annex = forms.CharField(
        required=False,
        label=_("Press-release annex"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            'Paste from "In favour:" to the end of the "Absent:" list; '
            "line breaks and a title above are fine."
        ),
    )


class CosponsorAddForm(forms.Form):
    names = forms.CharField(
        label=_("States"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_(
            "As printed: separated by commas, or one per line "
            '("Albania, Andorra and Australia" works).'
        ),
    )
    since = forms.DateField(
        label=_("Joined on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    role = forms.ChoiceField(
        choices=Cosponsorship.Role.choices, initial=Cosponsorship.Role.COSPONSOR
    )
    source = forms.ChoiceField(choices=Cosponsorship.Source.choices)
    source_ref = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=200,
        help_text=_("E.g. the document symbol or the meeting."),
    )


class WithdrawForm(forms.Form):
    on = forms.DateField(
        label=_("Withdrew on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class StanceForm(forms.Form):
    position = forms.ChoiceField(
        label=_("Stance"),
        choices=Stance.Position.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    owner_organisation = forms.ModelChoiceField(
        label=_("Owner organisation"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        coalition = Organisation.objects.filter(
            participations__campaign=campaign,
            participations__status=Participation.Status.ACCEPTED,
        )
        self.fields["owner_organisation"].queryset = coalition
        self.fields["owner"].queryset = User.objects.filter(
            memberships__organisation__in=coalition, memberships__is_active=True
        ).distinct()


class StanceFilterForm(forms.Form):
    NONE = "none"

    position = forms.ChoiceField(
        label=_("Stance"),
        required=False,
        choices=[("", _("Any stance")), *Stance.Position.choices, (NONE, _("No read"))],
    )
    group = forms.ChoiceField(
        label=_("Group"),
        required=False,
        choices=[("", _("Any group")), *RegionalGroup.choices],
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    q = forms.CharField(label=_("Name"), required=False, max_length=100)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Any owner")),
            *[(str(o.pk), o.short_name) for o in organisations],
            (self.NONE, _("No owner")),
        ]


class StateFilterForm(forms.Form):
    """Which states a ballot page lists: by regional group and by position."""

    group = forms.ChoiceField(
        label=_("Regional group"),
        required=False,
        choices=[("", _("All groups")), *RegionalGroup.choices],
    )
    position = forms.ChoiceField(
        label=_("Position"),
        required=False,
        choices=[("", _("All positions")), *Position.choices],
    )
