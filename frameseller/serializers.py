"""Response shapes shared by every app, for the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from frameseller.exceptions import error_codes


class ErrorCodeField(serializers.CharField):
    """An error answer's `code`: always sent; declared optional, as the schema has always required only the sentence."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", 'A stable identifier of the error for programs to switch on (docs/api.md, "Error codes").'
        )
        super().__init__(**kwargs)


class ErrorCodeFieldSchema(OpenApiSerializerFieldExtension):
    """Declare every code there is (registered when this module is imported); the enum hook names it CodeEnum."""

    target_class = ErrorCodeField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": error_codes()}


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class EnvelopeErrorSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    error = serializers.CharField(help_text="One human-readable sentence.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field, when a field is at fault.",
    )
    code = ErrorCodeField()


class DetailErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = ErrorCodeField()
