"""Response shapes shared by every app, for the OpenAPI schema."""

from rest_framework import serializers


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


class DetailErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
