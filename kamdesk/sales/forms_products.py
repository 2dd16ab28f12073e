"""Forms of the product pages and of an account's "Prices & range" tab. They collect and type the input;
the services decide and write."""

from django import forms

from kamdesk.core.errors import ServiceError
from kamdesk.sales.models import ListingStatus, PriceAgreement, Product
from kamdesk.sales.selectors_products import product_categories

# Service field names that the forms show under another field.
FORM_FIELD_OF = {"product": "sku"}


def add_errors(form: forms.Form, error: ServiceError) -> None:
    """A service's refusal on the form: each message under its field (a product under the SKU box)."""
    placed = False
    for field, messages in error.field_errors.items():
        name = FORM_FIELD_OF.get(field, field)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _sku_widget() -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", "placeholder": "SKU", "maxlength": 40})


def _product_for_sku(sku: str) -> Product:
    product = Product.objects.filter(sku=sku.strip()).first()
    if product is None:
        raise forms.ValidationError(f"No product has the SKU “{sku}”.")
    return product


# --- products ---------------------------------------------------------------------------------------------


class ProductForm(forms.ModelForm):
    """Create or edit a product. The cost field is left out for roles that may not see costs."""

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "category",
            "sub_category",
            "brand",
            "unit",
            "pack_size",
            "list_price",
            "standard_cost",
            "is_active",
        ]
        labels = {"sub_category": "Sub-category", "is_active": "Active (can be sold)"}

    def __init__(self, *args, show_costs: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_costs:
            del self.fields["standard_cost"]
        # Suggest the catalogue's categories while still accepting a new one.
        self.fields["category"].widget.attrs["list"] = "product-categories"
        self.category_choices = product_categories()

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


# --- price agreements ----------------------------------------------------------------------------------------


class PriceAgreementForm(forms.Form):
    sku = forms.CharField(label="Product (SKU)", max_length=40, required=False, widget=_sku_widget())
    category = forms.ChoiceField(label="or a whole category", required=False)
    discount_pct = forms.DecimalField(
        label="Discount %", required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    net_price = forms.DecimalField(label="or net price", required=False, min_value=0, max_digits=18, decimal_places=2)
    valid_from = forms.DateField(label="Valid from", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label="Valid to (inclusive)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for an open-ended agreement.",
    )
    note = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *((c, c) for c in product_categories())]

    def clean_sku(self) -> Product | None:
        sku = self.cleaned_data["sku"].strip()
        return _product_for_sku(sku) if sku else None

    def clean(self):
        data = super().clean()
        if "sku" in data and not data.get("sku") and not data.get("category"):
            self.add_error("sku", "Give a product's SKU or choose a category.")
        elif data.get("sku") and data.get("category"):
            self.add_error("category", "Choose either a product or a category, not both.")
        if data.get("discount_pct") is None and data.get("net_price") is None and "discount_pct" not in self.errors:
            self.add_error("discount_pct", "Give a discount % or a net price.")
        elif data.get("discount_pct") is not None and data.get("net_price") is not None:
            self.add_error("net_price", "Give either a discount % or a net price, not both.")
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "product": data["sku"],
            "category": data["category"] if not data["sku"] else "",
            "discount_pct": data["discount_pct"],
            "net_price": data["net_price"] if data["discount_pct"] is None else None,
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
            "note": data["note"],
        }

    @staticmethod
    def initial_for(agreement: PriceAgreement) -> dict:
        return {
            "sku": agreement.product.sku if agreement.product_id else "",
            "category": agreement.category,
            "discount_pct": agreement.discount_pct,
            "net_price": agreement.net_price,
            "valid_from": agreement.valid_from,
            "valid_to": agreement.valid_to,
            "note": agreement.note,
        }


# --- listings --------------------------------------------------------------------------------------------------


class ListingForm(forms.Form):
    sku = forms.CharField(label="Product (SKU)", max_length=40, widget=_sku_widget())
    status = forms.ChoiceField(label="Status", choices=ListingStatus.choices)
    since = forms.DateField(
        label="Since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: today, when the status changes.",
    )

    def clean_sku(self) -> Product:
        return _product_for_sku(self.cleaned_data["sku"])
