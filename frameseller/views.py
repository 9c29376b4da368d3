"""Project-wide endpoints: the health check."""

from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from frameseller.exceptions import SERVICE_UNAVAILABLE
from frameseller.serializers import ErrorCodeField


class HealthApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health",
        summary="Health check for the load balancer (checks the database)",
        responses={
            200: inline_serializer("Health", {"status": serializers.CharField(), "database": serializers.CharField()}),
            503: inline_serializer(
                "HealthDown",
                {"status": serializers.CharField(), "database": serializers.CharField(), "code": ErrorCodeField()},
            ),
        },
        auth=[],
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "error", "database": "unavailable", "code": SERVICE_UNAVAILABLE}, status=503)
        return Response({"status": "ok", "database": "ok"})
