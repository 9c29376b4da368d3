"""Request bodies on the wire: a body whose length is not announced is refused, not read as empty."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

CHUNKED_REFUSED = {"detail": "Send the request body with a Content-Length header; chunked uploads are not accepted."}


def _post(live_server, path: str, body: bytes, *, chunked: bool) -> tuple[int, dict]:
    """POST over a real socket, the body sent chunked (no Content-Length) or with its length."""
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"}
        if chunked:
            connection.request("POST", path, body=iter([body[:10], body[10:]]), headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/api/api-token-auth/", "/api/signup/", "/api/order/"])
def test_chunked_body_is_411_with_a_sentence(live_server, path):
    user = UserFactory()
    body = json.dumps({"username": user.email, "password": DEFAULT_PASSWORD}).encode()

    status, answer = _post(live_server, path, body, chunked=True)

    assert (status, answer) == (411, CHUNKED_REFUSED)


@pytest.mark.django_db(transaction=True)
def test_the_same_body_with_its_length_logs_in(live_server):
    user = UserFactory()
    body = json.dumps({"username": user.email, "password": DEFAULT_PASSWORD}).encode()

    status, answer = _post(live_server, "/api/api-token-auth/", body, chunked=False)

    assert status == 200
    assert set(answer) == {"token"}
