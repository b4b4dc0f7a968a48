from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.core.scoping import scoped
from yingji.incidents.models import Incident
from yingji.materials.models import Item, MaterialClass, Warehouse

DATE = forms.DateInput(attrs={"type": "date"})
CLOSED = ["closed", "evaluated", "merged"]


class WarehouseForm(ScopedModelForm):
    class Meta:
        model = Warehouse
        fields = [
            "name",
            "kind",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "manager",
            "capacity",
            "capacity_unit",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class ItemForm(ScopedModelForm):
    class Meta:
        model = Item
        fields = [
            "code",
            "name",
            "material_class",
            "specification",
            "unit",
            "minimum_stock",
            "shelf_life_days",
            "source",
        ]


class MaterialClassForm(ScopedModelForm):
    class Meta:
        model = MaterialClass
        fields = ["code", "name", "name_en", "mark", "source"]


def _quantity_field(label):
    # Text, not a float widget: the service reads it as Decimal and names what is wrong.
    return forms.CharField(label=label, max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class MovementForm(forms.Form):
    """The fields every movement has; each kind's form adds its own. The service checks the rules."""

    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.all())
    quantity = _quantity_field(_("Quantity"))
    batch_number = forms.CharField(label=_("Batch"), max_length=40, required=False)
    reference = forms.CharField(label=_("Document number"), max_length=60, required=False)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    entry = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, warehouse=None, **kwargs):
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.user, self.warehouse = user, warehouse
        if "entry" in self.fields and not self.is_bound:
            import uuid

            self.initial["entry"] = uuid.uuid4()

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["entry"] = data.get("entry") or None
        data["warehouse"] = self.warehouse
        return data


class ReceiptForm(MovementForm):
    kind = "receipt"
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE)
    field_order = ["item", "quantity", "batch_number", "expires_on", "reference", "reason"]


class OutForm(MovementForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch_number"].help_text = _("Empty: first expiring first.")
        self.fields["reason"].required = True

    def service_data(self):
        data = super().service_data()
        data["batch_number"] = data["batch_number"] or None
        return data


class IssueForm(OutForm):
    kind = "issue"


class DispatchForm(OutForm):
    kind = "dispatch"
    incident = forms.ModelChoiceField(label=_("Incident"), queryset=Incident.objects.none())
    field_order = ["incident", "item", "quantity", "batch_number", "reference", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            # The latest 200 open incidents within reach: the ones stock is sent to.
            open_ones = scoped(Incident.objects.exclude(status__in=CLOSED), self.user).order_by(
                "-occurred_at"
            )
            self.fields["incident"].queryset = Incident.objects.filter(
                pk__in=list(open_ones.values_list("pk", flat=True)[:200])
            ).order_by("-occurred_at")


class TransferForm(OutForm):
    kind = "transfer"
    destination = forms.ModelChoiceField(label=_("To warehouse"), queryset=Warehouse.objects.none())
    field_order = ["destination", "item", "quantity", "batch_number", "reference", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False
        if self.user is not None:
            choices = scoped(Warehouse.objects.all(), self.user)
            if self.warehouse is not None:
                choices = choices.exclude(pk=self.warehouse.pk)
            self.fields["destination"].queryset = choices

    def service_data(self):
        data = super().service_data()
        data["source"] = data.pop("warehouse")
        return data


class AdjustmentForm(MovementForm):
    kind = "adjustment"
    counted = _quantity_field(_("Counted quantity"))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE)
    field_order = ["item", "batch_number", "counted", "expires_on", "reference", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["quantity"]
        self.fields["reason"].required = True


class MinimumForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.all())
    minimum = forms.CharField(
        label=_("Minimum in this warehouse"),
        required=False,
        max_length=20,
        help_text=_("Empty: the catalogue's minimum applies."),
    )


MOVEMENT_FORMS = {f.kind: f for f in (ReceiptForm, IssueForm, TransferForm, DispatchForm, AdjustmentForm)}
