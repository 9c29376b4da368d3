"""Catalog endpoints."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import product_get_on_sale, product_list
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
        return Response(ProductSerializer(product_list(), many=True, context={"request": request}).data)


class ProductDetailApi(APIView):
    authentication_classes = [OptionalJWTAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="product_detail",
        summary="One photo on sale",
        responses={
            200: ProductSerializer,
            404: inline_serializer("ProductNotFound", {"detail": serializers.CharField()}),
        },
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request, product_id: int):
        product = product_get_on_sale(product_id=product_id)
        if product is None:
            raise NotFound("This photo is not on sale.")
        return Response(ProductSerializer(product, context={"request": request}).data)
