"""OpenAPI schema hooks (drf-spectacular's POSTPROCESSING_HOOKS, see settings)."""

DETAIL_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}

# Answered by frameseller.middleware.RequestBodyLimitMiddleware before any view, whatever the endpoint.
BODY_ANSWERS = {
    "411": "The body was sent chunked, without a Content-Length header.",
    "413": "The body is larger than the limit (DJANGO_MAX_BODY_BYTES, 64 KiB by default).",
}

RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}


def postprocess_answers_before_views(result, generator, request, public):
    """Declare the answers an operation gives before its view runs, and the Retry-After of every 429."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("DetailError", DETAIL_ERROR)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if method in ("post", "put", "patch"):
                for code, description in BODY_ANSWERS.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetailError"}}},
                        },
                    )
            if "429" in responses:
                responses["429"].setdefault("headers", {}).setdefault("Retry-After", RETRY_AFTER)
    return result
