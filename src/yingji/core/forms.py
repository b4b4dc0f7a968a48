import contextlib

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from yingji.core.auth import is_locked_out
from yingji.core.models import Contact, Division, Organisation, User
from yingji.core.scoping import scoped


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose choices of related records are limited to what the user may see."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = scoped(field.queryset, user)


class DivisionForm(ScopedModelForm):
    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "latitude", "longitude", "population"]


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "division",
            "parent",
            "credit_code",
            "address",
            "phone",
            "latitude",
            "longitude",
            "responsibilities",
        ]
        widgets = {"responsibilities": forms.Textarea(attrs={"rows": 3})}


class ContactForm(ScopedModelForm):
    class Meta:
        model = Contact
        fields = ["owner", "name", "post", "mobile", "office_phone", "email", "is_primary"]


class UserForm(ScopedModelForm):
    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password. A new user needs one."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "email", "mobile", "organisation", "role", "is_active"]

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if not password and self.instance.pk is None:
            raise forms.ValidationError(_("A new user needs a password."))
        if password:
            password_validation.validate_password(password, self.instance)
            self.instance.set_password(password)
        return password


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "locked": _("Too many failed sign-ins for this account. Wait %(minutes)s minutes and try again."),
    }

    def clean(self):
        from django.conf import settings

        username = self.cleaned_data.get("username")
        if username and is_locked_out(username, self.request):
            # Still let the backend log the refused attempt.
            with contextlib.suppress(forms.ValidationError):
                super().clean()
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        return super().clean()
