"""Forms of the store-check pages. They collect and type the input; the services decide and write."""

import re

from django import forms

from kamdesk.activities.models import StoreCheck
from kamdesk.activities.photos import max_bytes_label
from kamdesk.activities.selectors_storechecks import DEFAULT_MONTHS, MONTH_CHOICES
from kamdesk.activities.services_storechecks import MAX_OUT_OF_STOCK, STORE_FIELDS
from kamdesk.sales.models import Product

_SKU_SEPARATORS = re.compile(r"[\s,;]+")
PERCENT_WIDGET = {"min": "0", "max": "100", "step": "0.01", "inputmode": "decimal"}


def _percent_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs=PERCENT_WIDGET),
    )


class StoreCheckForm(forms.Form):
    store_name = forms.CharField(label="Store", max_length=200)
    store_number = forms.CharField(label="Store number", max_length=40, required=False)
    store_address = forms.CharField(label="Address", max_length=300, required=False)
    store_city = forms.CharField(label="City", max_length=100, required=False)
    out_of_stock = forms.CharField(
        label="Out-of-stock products",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The SKUs missing from the shelf, separated by commas, spaces or new lines.",
    )
    shelf_share_pct = _percent_field("Shelf share %")
    price_compliance_pct = _percent_field("Price compliance %")
    display_compliance_pct = _percent_field("Display compliance %")
    score = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        help_text="0-100. Leave empty to compute it: the average of price and display compliance.",
    )

    def clean_out_of_stock(self) -> list[Product]:
        skus = list(dict.fromkeys(s for s in _SKU_SEPARATORS.split(self.cleaned_data["out_of_stock"]) if s))
        if len(skus) > MAX_OUT_OF_STOCK:
            raise forms.ValidationError(f"At most {MAX_OUT_OF_STOCK} products; {len(skus)} given.")
        found = {product.sku: product for product in Product.objects.filter(sku__in=skus)}
        unknown = [sku for sku in skus if sku not in found]
        if unknown:
            raise forms.ValidationError(f"Unknown SKU{'s' if len(unknown) > 1 else ''}: {', '.join(unknown[:20])}.")
        return [found[sku] for sku in skus]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in STORE_FIELDS},
            "out_of_stock_products": data["out_of_stock"],
            "shelf_share_pct": data["shelf_share_pct"],
            "price_compliance_pct": data["price_compliance_pct"],
            "display_compliance_pct": data["display_compliance_pct"],
            "score": data["score"],
        }


def initial_from_store_check(store_check: StoreCheck | None) -> dict:
    if store_check is None:
        return {}
    initial = {
        name: getattr(store_check, name)
        for name in (*STORE_FIELDS, "shelf_share_pct", "price_compliance_pct", "display_compliance_pct")
    }
    initial["score"] = store_check.score if store_check.score_entered else None
    initial["out_of_stock"] = "\n".join(p.sku for p in store_check.out_of_stock_products.order_by("sku"))
    return initial


class PhotoForm(forms.Form):
    file = forms.FileField(
        label="Photo",
        help_text="",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f"JPEG, PNG or WebP, at most {max_bytes_label()}."


class TrendForm(forms.Form):
    months = forms.TypedChoiceField(
        choices=[(m, f"Last {m} months") for m in MONTH_CHOICES], coerce=int, required=False, label="Period"
    )
    include_subsidiaries = forms.BooleanField(
        required=False, label="Include subsidiaries", widget=forms.CheckboxInput(attrs={"value": "true"})
    )

    def clean_months(self) -> int:
        return self.cleaned_data["months"] or DEFAULT_MONTHS
