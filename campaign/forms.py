"""Forms for the UN record: staff uploads and the public filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Position, RegionalGroup

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
