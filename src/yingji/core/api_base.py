"""The API's strong base: scoped viewsets, role permissions, pagination. Module APIs are declarations."""

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, viewsets

from yingji.core import services
from yingji.core.api_policy import METHOD_ACTIONS
from yingji.core.scoping import scoped


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


class ScopedSerializer(serializers.ModelSerializer):
    """Related-record fields accept only records the caller may see."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            if isinstance(target, serializers.RelatedField) and target.queryset is not None and request:
                target.queryset = scoped(target.queryset, request.user)
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # Validate a copy: the instance itself must stay as stored until the service saves it.
        instance = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for key, value in attrs.items():
            setattr(instance, key, value)
        try:
            services.validate(instance)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class ScopedModelViewSet(viewsets.ModelViewSet):
    """Reads and writes only within the caller's scope: another county's record is a 404."""

    def get_queryset(self):
        return scoped(
            self.queryset.all(), self.request.user, METHOD_ACTIONS.get(self.request.method, "change")
        )

    def perform_create(self, serializer):
        self._save(serializer, serializer.Meta.model(**serializer.validated_data))

    def perform_update(self, serializer):
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        self._save(serializer, instance)

    def _save(self, serializer, instance):
        try:
            serializer.instance = services.save_scoped(self.request.user, instance)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc

    def perform_destroy(self, instance):
        try:
            services.delete_scoped(self.request.user, instance)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except ProtectedError as exc:
            raise Conflict(
                _("Still referred to by %(list)s.")
                % {"list": ", ".join(sorted({str(o) for o in list(exc.protected_objects)[:5]}))}
            ) from exc


class ReadOnlyScopedViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        return scoped(self.queryset.all(), self.request.user, "view")
