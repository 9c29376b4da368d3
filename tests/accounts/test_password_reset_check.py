"""POST /api/password-reset/check/: whether a reset link still works, asked as the site's reset page opens."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from accounts.password_reset import password_reset_url

CHECK = "/api/password-reset/check/"
CONFIRM = "/api/password-reset/confirm/"

pytestmark = pytest.mark.django_db


def link_of(user) -> dict:
    url = password_reset_url(user)
    return {key: value for key, [value] in parse_qs(urlsplit(url).fragment.split("?", 1)[1]).items()}


def test_a_working_link_is_200_and_still_works_after(api_client, user):
    link = link_of(user)

    response = api_client.post(CHECK, link, format="json")

    assert response.status_code == 200
    assert response.json() == {"success": True}
    confirmed = api_client.post(CONFIRM, {**link, "password": "a brand new passphrase"}, format="json")
    assert confirmed.status_code == 200


def test_a_used_link_is_refused_with_its_code(api_client, user):
    link = link_of(user)
    assert api_client.post(CONFIRM, {**link, "password": "a brand new passphrase"}, format="json").status_code == 200

    response = api_client.post(CHECK, link, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["code"] == "password_reset_refused"
    assert "invalid, used or expired" in body["error"]


@pytest.mark.parametrize("change", ["uid", "token"])
def test_a_wrong_link_is_refused(api_client, user, change):
    link = {**link_of(user), change: "MTIzNDU2" if change == "uid" else "abc-def"}

    response = api_client.post(CHECK, link, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "password_reset_refused"


@pytest.mark.parametrize("missing", ["uid", "token"])
def test_a_check_missing_a_field_is_400(api_client, missing):
    body = {key: value for key, value in {"uid": "MQ", "token": "abc"}.items() if key != missing}

    response = api_client.post(CHECK, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_checks_are_throttled_per_address_with_the_confirmations(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password_reset_ip": "2/min"}
    cache.clear()

    answers = [api_client.post(CHECK, {"uid": "MQ", "token": "abc"}, format="json").status_code for _ in range(2)]
    confirm = {"uid": "MQ", "token": "abc", "password": "x" * 12}
    answers.append(api_client.post(CONFIRM, confirm, format="json").status_code)

    assert answers == [400, 400, 429]


def test_the_schema_documents_the_check(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    assert "post" in schema["paths"][CHECK]
