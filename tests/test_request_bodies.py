"""Request bodies on the wire: a body whose length is not announced is refused, not read as empty."""

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

CHUNKED_REFUSED = {
    "detail": "Send the request body with a Content-Length header; chunked uploads are not accepted.",
    "code": "length_required",
}


def _post(live_server, path: str, body: bytes, *, chunked: bool) -> tuple[int, dict]:
    """POST over a real socket, the body sent chunked (no Content-Length) or with its length.

    The request goes out in one write, so that a server answering before reading the body (as it
    should for a 411) cannot break the pipe under the client.
    """
    address = urlsplit(live_server.url)
    if chunked:
        framing = "Transfer-Encoding: chunked"
        payload = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\n\r\n"
    else:
        framing, payload = f"Content-Length: {len(body)}", body
    head = f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{framing}\r\n"
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n" + payload)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


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
