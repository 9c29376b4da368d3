"""Catalog endpoints."""

import re

from django.http import HttpResponse
from django.utils.http import parse_etags
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.rendering import catalog_rendering
from catalog.selectors import product_get_on_sale, product_list_rows
from catalog.serializers import ProductSerializer, photo_urls, product_list_data
from frameseller.pagination import LIST_PARAMETERS, next_link, page_request
from frameseller.rendering import json_response
from frameseller.serializers import DetailErrorSerializer

ACCEPTS_GZIP = re.compile(r"\bgzip\b")
CATALOG_CACHE_CONTROL = "public, max-age=60"


class ProductListApi(APIView):
    # Public, and the same for everyone: a token, valid or stale, is not even read.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="product_list",
        summary="List the photos on sale",
        description=(
            "Without `limit`, the whole catalog, with an `ETag`: send it back in `If-None-Match` for a 304 "
            "while the catalog is unchanged. With `limit`, one page; while more remain, a "
            '`Link: <next page URL>; rel="next"` header points at the next one.'
        ),
        parameters=LIST_PARAMETERS,
        responses={200: ProductSerializer(many=True), 304: None, 400: DetailErrorSerializer},
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request):
        page = page_request(request.query_params)
        if page.limit is not None:
            return self._page(request, page)
        rendering = catalog_rendering(request)
        headers = {"ETag": rendering.etag, "Cache-Control": CATALOG_CACHE_CONTROL, "Vary": "Accept-Encoding"}
        if _matches(request.headers.get("If-None-Match", ""), rendering.etag):
            return HttpResponse(status=304, headers=headers)
        if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
            headers["Content-Encoding"] = "gzip"
            return HttpResponse(rendering.gzipped, content_type="application/json", headers=headers)
        return HttpResponse(rendering.body, content_type="application/json", headers=headers)

    def _page(self, request, page):
        after_id = None
        if page.after is not None:
            [after_id] = page.after if len(page.after) == 1 else [None]
            if type(after_id) is not int:
                raise exceptions.ValidationError("cursor is not one this API gave: start again from the first page.")
        rows = product_list_rows(limit=page.limit, after_id=after_id)
        headers = {"Cache-Control": CATALOG_CACHE_CONTROL}
        if len(rows) > page.limit:
            rows = rows[: page.limit]
            headers["Link"] = next_link(request, page, [rows[-1][0]])
        return json_response(product_list_data(rows, photo_url=photo_urls(request)), headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison, as If-None-Match asks (RFC 9110 13.1.2)."""
    tags = parse_etags(if_none_match) if if_none_match else []
    return "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}


class ProductDetailApi(APIView):
    authentication_classes = []  # public: a token is not even read
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
