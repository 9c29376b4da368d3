"""The admin's login form is throttled like the API's login: per address and per account, on the same counters."""

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

ADMIN_LOGIN = "/admin/login/"
API_LOGIN = "/api/api-token-auth/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


def _admin_login(client, username: str, password: str, **extra):
    return client.post(f"{ADMIN_LOGIN}?next=/admin/", {"username": username, "password": password}, **extra)


def test_operator_logs_in_to_the_admin(client, operator):
    response = _admin_login(client, "Operator@Example.com", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_forty_wrong_admin_passwords_meet_the_default_limit(client, operator):
    statuses = [_admin_login(client, operator.email, f"guess {i}").status_code for i in range(40)]

    # 10 a minute per account by default (THROTTLE_LOGIN_ACCOUNT): the form answers, then 429.
    assert statuses == [200] * 10 + [429] * 30


def test_throttled_admin_login_is_a_plain_429_even_with_the_right_password(client, operator, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "2/min", "login_account": "100/min"}
    for i in range(2):
        _admin_login(client, f"someone{i}@example.com", "guess")

    response = _admin_login(client, operator.email, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("Too many login attempts.")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "_auth_user_id" not in client.session


def test_admin_login_is_throttled_per_account_across_addresses(client, operator, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "100/min", "login_account": "2/min"}

    statuses = [_admin_login(client, operator.email, "guess", REMOTE_ADDR=f"10.0.4.{i}").status_code for i in range(3)]

    assert statuses == [200, 200, 429]


def test_admin_and_api_logins_count_on_the_same_account_limit(client, api_client, operator, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "100/min", "login_account": "2/min"}

    api = api_client.post(API_LOGIN, {"username": operator.email, "password": "guess"}, format="json")
    admin = _admin_login(client, operator.email, "guess", REMOTE_ADDR="10.0.5.1")
    api_again = api_client.post(
        API_LOGIN, {"username": operator.email, "password": "guess"}, format="json", REMOTE_ADDR="10.0.5.2"
    )

    assert (api.status_code, admin.status_code, api_again.status_code) == (400, 200, 429)


def test_other_admin_pages_are_not_counted(admin_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "1/min"}

    statuses = [admin_client.get("/admin/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
