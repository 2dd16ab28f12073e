"""Forms of the import page: the upload (with its size limit) and the confirmation of a previewed file."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from kamdesk.imports.columns import ACCOUNTS, CONTACTS, PRODUCTS

KIND_CHOICES = [(ACCOUNTS, "Accounts"), (CONTACTS, "Contacts (stakeholders)"), (PRODUCTS, "Products")]


class FileUploadForm(forms.Form):
    """A CSV/XLSX upload within settings.UPLOAD_MAX_BYTES; the import pages add what the file holds."""

    file = forms.FileField(label="File")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"CSV (UTF-8, separated by commas or semicolons) or Excel .xlsx; at most "
            f"{filesizeformat(settings.UPLOAD_MAX_BYTES)}. Larger files: the kamdesk import command."
        )
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.xlsx,.xlsm,.xls"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest file accepted is {filesizeformat(limit)}. "
                "Split it into smaller files, or import it with the kamdesk import command, which takes files of "
                "any size."
            )
        return upload


class UploadForm(FileUploadForm):
    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.RadioSelect, initial=ACCOUNTS, label="The file holds")
    account_code = forms.CharField(
        required=False,
        max_length=50,
        label="Account code (vCard files only)",
        help_text="Puts every contact of a vCard file in this account. Left empty, each card's organisation (ORG) "
        "is matched to the code or name of an account you may change.",
    )
    field_order = ["kind", "file", "account_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text.replace(
            "or Excel .xlsx;", "Excel .xlsx, or (contacts) vCard .vcf;"
        )
        self.fields["file"].widget.attrs["accept"] += ",.vcf,.vcard"


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    partial = forms.BooleanField(
        required=False, label="Import only the rows without errors and leave the rejected rows out"
    )
