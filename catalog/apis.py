"""Catalog endpoints."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import JWTAuthentication
from catalog.selectors import product_list
from catalog.serializers import ProductSerializer


class _OptionalJWTAuthentication(JWTAuthentication):
    """On a public endpoint, a bad token is ignored rather than refused."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            return None


class ProductListApi(APIView):
    authentication_classes = [_OptionalJWTAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="product_list",
        summary="List the photos on sale",
        responses={200: ProductSerializer(many=True)},
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request):
        return Response(ProductSerializer(product_list(), many=True).data)
