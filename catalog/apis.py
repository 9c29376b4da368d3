"""Catalog endpoints."""

import re

from django.http import HttpResponse
from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.rendering import catalog_rendering
from catalog.selectors import (
    PRODUCT_ORDERINGS,
    PRODUCT_SEARCH_MAX_LENGTH,
    product_cursor_key,
    product_get_on_sale,
    product_list_rows,
    product_sort_key,
)
from catalog.serializers import ProductSerializer, photo_urls, product_list_data
from frameseller.pagination import LIST_PARAMETERS, next_link, page_request
from frameseller.rendering import json_response
from frameseller.serializers import DetailErrorSerializer, ErrorCodeField

ACCEPTS_GZIP = re.compile(r"\bgzip\b")
CATALOG_CACHE_CONTROL = "public, max-age=60"

SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        str,
        OpenApiParameter.QUERY,
        required=False,
        description="Search: only the photos whose title, description or credit contains every word of it, in any "
        f"case (at most {PRODUCT_SEARCH_MAX_LENGTH} characters; blank means no search).",
    ),
    OpenApiParameter(
        "ordering",
        str,
        OpenApiParameter.QUERY,
        required=False,
        enum=list(PRODUCT_ORDERINGS),
        description="Sort: `price` (cheapest first), `-price` (dearest first) or `newest` (the photos added "
        "last first); photos at the same price in catalog order. Without it (or blank), catalog order. "
        "Any other value is a 400. Pages (`limit`, `cursor`) work with every ordering and search.",
    ),
]


class ProductListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=PRODUCT_SEARCH_MAX_LENGTH)
    ordering = serializers.ChoiceField(choices=list(PRODUCT_ORDERINGS), required=False, allow_blank=True)


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
            '`Link: <next page URL>; rel="next"` header points at the next one (it keeps `q` and `ordering`). '
            "`q` searches titles and descriptions, `ordering` sorts."
        ),
        parameters=[*SEARCH_PARAMETERS, *LIST_PARAMETERS],
        responses={200: ProductSerializer(many=True), 304: None, 400: DetailErrorSerializer},
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request):
        page = page_request(request.query_params)
        query = ProductListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data.get("q", "").strip()
        ordering = query.validated_data.get("ordering") or None
        if page.limit is not None or q or ordering:
            return self._rows(request, page, q=q, ordering=ordering)
        rendering = catalog_rendering(request)
        headers = {"ETag": rendering.etag, "Cache-Control": CATALOG_CACHE_CONTROL, "Vary": "Accept-Encoding"}
        if _matches(request.headers.get("If-None-Match", ""), rendering.etag):
            return HttpResponse(status=304, headers=headers)
        if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
            headers["Content-Encoding"] = "gzip"
            return HttpResponse(rendering.gzipped, content_type="application/json", headers=headers)
        return HttpResponse(rendering.body, content_type="application/json", headers=headers)

    def _rows(self, request, page, *, q: str, ordering: str | None):
        """A search, a sort or a page: straight from the database (the cached rendering is the whole catalog)."""
        after = None
        if page.after is not None:
            after = product_cursor_key(page.after, ordering)
            if after is None:
                raise exceptions.ValidationError("cursor is not one this API gave: start again from the first page.")
        rows = product_list_rows(limit=page.limit, after=after, q=q, ordering=ordering)
        headers = {"Cache-Control": CATALOG_CACHE_CONTROL}
        if page.limit is not None and len(rows) > page.limit:
            rows = rows[: page.limit]
            headers["Link"] = next_link(request, page, product_sort_key(rows[-1], ordering))
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
            404: inline_serializer("ProductNotFound", {"detail": serializers.CharField(), "code": ErrorCodeField()}),
        },
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request, product_id: int):
        product = product_get_on_sale(product_id=product_id)
        if product is None:
            raise NotFound("This photo is not on sale.")
        return Response(ProductSerializer(product, context={"request": request}).data)
