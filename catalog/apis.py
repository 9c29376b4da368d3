"""Catalog endpoints."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import product_list
from catalog.serializers import ProductSerializer
from frameseller.authentication import OptionalJWTAuthentication


class ProductListApi(APIView):
    authentication_classes = [OptionalJWTAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="product_list",
        summary="List the photos on sale",
        responses={200: ProductSerializer(many=True)},
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request):
        return Response(ProductSerializer(product_list(), many=True).data)
