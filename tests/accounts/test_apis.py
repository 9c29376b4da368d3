"""POST /api/signup/ and POST /api/api-token-auth/, as API.md describes them."""

import base64
import json
import time

import jwt
import pytest
from django.conf import settings

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

SIGNUP = "/api/signup/"
LOGIN = "/api/api-token-auth/"
REFRESH = "/api/api-token-refresh/"
ORDERS = "/api/order/"

pytestmark = pytest.mark.django_db

GOOD_SIGNUP = {"first_name": "foo", "last_name": "bar", "email": "FooBar@QMail.com", "password": "a long passphrase"}


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# --- Signup -------------------------------------------------------------------


def test_signup_creates_account_with_argon2_hash(api_client):
    response = api_client.post(SIGNUP, GOOD_SIGNUP, format="json")

    assert response.status_code == 201
    assert response.json() == {"success": True}
    user = User.objects.get()
    assert user.email == "foobar@qmail.com"
    assert (user.first_name, user.last_name) == ("foo", "bar")
    assert user.password.startswith("argon2$")
    assert user.check_password("a long passphrase")


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "password"])
def test_signup_missing_field_is_400_with_sentence(api_client, field):
    body = {k: v for k, v in GOOD_SIGNUP.items() if k != field}

    response = api_client.post(SIGNUP, body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["success"] is False
    assert "required" in data["error"]
    assert field in data["errors"]
    assert not User.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "password"])
def test_signup_blank_field_is_400(api_client, field):
    response = api_client.post(SIGNUP, {**GOOD_SIGNUP, field: ""}, format="json")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "blank" in response.json()["error"]
    assert not User.objects.exists()


def test_signup_invalid_email_is_400(api_client):
    response = api_client.post(SIGNUP, {**GOOD_SIGNUP, "email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "Email: Enter a valid email address."


def test_signup_duplicate_email_in_other_case_is_400(api_client):
    UserFactory(email="foobar@qmail.com")

    response = api_client.post(SIGNUP, {**GOOD_SIGNUP, "email": "FOOBAR@qmail.COM"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "An account with this email already exists.",
        "code": "email_taken",
        "errors": {"email": ["An account with this email already exists."]},
    }
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["password", "12345678", "short"])
def test_signup_weak_password_is_400(api_client, password):
    response = api_client.post(SIGNUP, {**GOOD_SIGNUP, "password": password}, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["success"] is False
    assert data["error"]
    assert data["errors"]["password"]
    assert not User.objects.exists()


def test_signup_non_json_body_is_400_json(api_client):
    response = api_client.post(SIGNUP, "first_name=foo", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "The request body is not valid JSON.", "code": "parse_error"}


def test_signup_wrong_types_are_400(api_client):
    response = api_client.post(SIGNUP, {**GOOD_SIGNUP, "first_name": {"a": 1}}, format="json")

    assert response.status_code == 400
    assert response.json()["success"] is False


def test_signup_json_array_body_is_400(api_client):
    response = api_client.post(SIGNUP, [GOOD_SIGNUP], format="json")

    assert response.status_code == 400
    assert response.json()["success"] is False


# --- Login ----------------------------------------------------------------------


def test_login_returns_token_with_claims(api_client):
    user = UserFactory(email="dummy@user.com", first_name="Dummy", last_name="User")

    response = api_client.post(LOGIN, {"username": "Dummy@User.com", "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    token = response.json()["token"]
    claims = jwt.decode(token, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"])
    assert claims["user_id"] == user.pk and isinstance(claims["user_id"], int)
    assert claims["email"] == "dummy@user.com"
    assert claims["first_name"] == "Dummy"
    assert claims["last_name"] == "User"
    assert claims["exp"] > time.time()
    # Older clients decode the payload with atob(): plain compact JSON.
    raw = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    assert ", " not in raw and ": " not in raw
    assert _payload(token)["first_name"] == "Dummy"


FAILURE = {"detail": "authorization failure", "non_field_errors": ["authorization failure"], "code": "login_failed"}


def test_login_wrong_password_is_400(api_client, user):
    response = api_client.post(LOGIN, {"username": user.email, "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json() == FAILURE


def test_login_unknown_user_is_400_same_answer(api_client):
    response = api_client.post(LOGIN, {"username": "nobody@example.com", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json() == FAILURE


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("this is not json", "application/json"),
        ("username=a&password=b", "application/x-www-form-urlencoded"),
        ('["dummy@user.com"]', "application/json"),
        ('{"username": 5, "password": ["x"]}', "application/json"),
        ('{"username": "dummy@user.com"}', "application/json"),
    ],
)
def test_login_bad_body_is_400(api_client, user, body, content_type):
    response = api_client.post(LOGIN, body, content_type=content_type)

    assert response.status_code == 400
    assert response.json() == FAILURE


def test_inactive_user_cannot_log_in(api_client):
    user = UserFactory(is_active=False)

    response = api_client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 400


def test_signup_then_login_round_trip(api_client):
    api_client.post(SIGNUP, GOOD_SIGNUP, format="json")

    response = api_client.post(
        LOGIN, {"username": "foobar@qmail.com", "password": GOOD_SIGNUP["password"]}, format="json"
    )

    assert response.status_code == 200
    assert _payload(response.json()["token"])["first_name"] == "foo"


# --- Token refresh ----------------------------------------------------------------


def test_refresh_returns_new_valid_token(api_client, token):
    response = api_client.post(REFRESH, {"token": token}, format="json")

    assert response.status_code == 200
    new = response.json()["token"]
    assert _payload(new)["user_id"] == _payload(token)["user_id"]
    assert api_client.get(ORDERS, HTTP_AUTHORIZATION=f"JWT {new}").status_code == 200


def test_refresh_with_garbage_is_403(api_client):
    response = api_client.post(REFRESH, {"token": "garbage"}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"]


# --- Authentication on a protected endpoint ------------------------------------------


def _forge(payload: dict, key: str = None, alg: str = "HS256") -> str:
    return jwt.encode(payload, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=alg)


def _claims(user, **extra):
    now = int(time.time())
    return {"token_type": "sliding", "exp": now + 600, "iat": now, "jti": "x" * 32, "user_id": user.pk, **extra}


@pytest.mark.parametrize("prefix", ["JWT", "Bearer"])
def test_both_header_prefixes_authenticate(api_client, token, prefix):
    response = api_client.get(ORDERS, HTTP_AUTHORIZATION=f"{prefix} {token}")

    assert response.status_code == 200


def _bad_tokens(user, token):
    header, payload, signature = token.split(".")
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    tampered_payload = (
        base64.urlsafe_b64encode(json.dumps({**_payload(token), "user_id": user.pk + 1}).encode()).rstrip(b"=").decode()
    )
    return {
        "missing": None,
        "empty": "JWT ",
        "garbage": "JWT garbage",
        "wrong prefix": f"Token {token}",
        "expired": "JWT " + _forge(_claims(user, exp=int(time.time()) - 10)),
        "wrong signature": "JWT " + _forge(_claims(user), key="not-the-real-signing-key-0123456789abcdef"),
        "tampered": f"JWT {header}.{tampered_payload}.{signature}",
        "alg none": f"JWT {unsigned}.{payload}.",
        "unknown user": "JWT " + _forge(_claims(user, user_id=user.pk + 1000)),
    }


BAD_TOKEN_KINDS = [
    "missing",
    "empty",
    "garbage",
    "wrong prefix",
    "expired",
    "wrong signature",
    "tampered",
    "alg none",
    "unknown user",
]


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
def test_bad_token_on_protected_endpoint_is_403_json(api_client, user, token, kind):
    header = _bad_tokens(user, token)[kind]
    kwargs = {"HTTP_AUTHORIZATION": header} if header is not None else {}

    response = api_client.get(ORDERS, **kwargs)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


# --- Throttling -----------------------------------------------------------------------


def test_login_is_throttled_per_address(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "3/min", "login_account": "100/min"}
    statuses = [
        api_client.post(LOGIN, {"username": f"u{i}@example.com", "password": "x"}, format="json").status_code
        for i in range(5)
    ]

    assert statuses == [400, 400, 400, 429, 429]
    response = api_client.post(LOGIN, {"username": "z@example.com", "password": "x"}, format="json")
    assert response.json()["detail"].startswith("Too many attempts")
    assert int(response["Retry-After"]) > 0


def test_login_is_throttled_per_account_across_addresses(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "100/min", "login_account": "2/min"}
    statuses = [
        api_client.post(
            LOGIN, {"username": "Victim@example.com", "password": "x"}, format="json", REMOTE_ADDR=f"10.0.0.{i}"
        ).status_code
        for i in range(4)
    ]

    assert statuses == [400, 400, 429, 429]


def test_forged_forwarded_for_does_not_reset_the_limit(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "2/min", "login_account": "100/min"}
    statuses = [
        api_client.post(
            LOGIN, {"username": f"u{i}@example.com", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}"
        ).status_code
        for i in range(4)
    ]

    assert statuses == [400, 400, 429, 429]


def test_default_limits_let_a_mistyping_shopper_through(api_client, user):
    for _ in range(5):
        assert api_client.post(LOGIN, {"username": user.email, "password": "typo"}, format="json").status_code == 400

    response = api_client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200


def test_signup_is_throttled_per_address(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "signup_ip": "2/min"}
    statuses = [api_client.post(SIGNUP, {"email": "bad"}, format="json").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
    assert api_client.post(SIGNUP, {}, format="json").json()["success"] is False


def test_signup_is_throttled_per_account_across_addresses(api_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "signup_ip": "100/min", "signup_account": "2/min"}
    body = {**GOOD_SIGNUP, "password": "short"}
    statuses = [api_client.post(SIGNUP, body, format="json", REMOTE_ADDR=f"10.0.1.{i}").status_code for i in range(3)]

    assert statuses == [400, 400, 429]


def test_behind_two_proxies_the_client_address_is_throttled_not_the_forged_one(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "2/min", "login_account": "100/min"}

    def attempt(forged: str, client: str) -> int:
        xff = f"{forged}, {client}, 10.0.0.9"  # forged by the client, then the load balancer, then nginx
        body = {"username": f"{forged}@example.com", "password": "x"}
        return api_client.post(LOGIN, body, format="json", HTTP_X_FORWARDED_FOR=xff).status_code

    assert [attempt(f"6.6.6.{i}", "203.0.113.7") for i in range(3)] == [400, 400, 429]
    assert attempt("6.6.6.99", "198.51.100.1") == 400
