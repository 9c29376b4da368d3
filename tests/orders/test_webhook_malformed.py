"""Signed webhook events whose contents are not what Stripe sends: never a 500 (Stripe would retry it forever).

Each is acknowledged (200) and logged as malformed, recorded nowhere and applied to no order; the
order it names stays as it was.
"""

import json

import pytest

from orders.models import Order, PaymentEvent
from tests.conftest import stripe_signature

WEBHOOK = "/api/stripe/webhook/"
LONG_ID = "ch_" + "x" * 297


def _charge(order: Order, **changes) -> dict:
    charge = {
        "id": "ch_malformed",
        "object": "charge",
        "amount": order.amount_minor_units,
        "amount_refunded": 0,
        "customer": order.stripe_customer_id,
        "status": "succeeded",
        "metadata": {"order_id": str(order.pk), "installation": order.installation},
    }
    return {**charge, **changes}


def _send_raw(api_client, settings, event: dict):
    payload = json.dumps(event).encode()
    signature = stripe_signature(payload, settings.STRIPE_WEBHOOK_SECRET)
    return api_client.post(WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def unpaid_order(user, product):
    return Order.objects.create(
        user=user, product=product, price=product.price, currency=product.currency, stripe_customer_id="cus_1"
    )


MALFORMED_OBJECTS = {
    "a lone surrogate in the object's id": {"id": "ch_\ud800"},
    "a lone surrogate in the customer": {"customer": "cus_\udfff"},
    "an amount that is no number": {"amount": "abc"},
    "an amount that is a boolean": {"amount": True},
    "an amount of 10^30": {"amount": 10**30},
    "metadata as a string": {"metadata": "order_id=1"},
    "metadata values that are no strings": {"metadata": {"order_id": [1], "installation": {"a": 1}}},
    "a 300-character object id": {"id": LONG_ID},
    "a metadata value of 5,000 characters": {"metadata": {"order_id": "9" * 5000}},
    "a 300-character charge": {"charge": LONG_ID},
    "an object id that is a number": {"id": 12},
    "a status that is a list": {"status": ["succeeded"]},
}


@pytest.mark.parametrize(
    "event_type", ["charge.succeeded", "charge.failed", "charge.refunded", "charge.dispute.created"]
)
@pytest.mark.parametrize("changes", MALFORMED_OBJECTS.values(), ids=MALFORMED_OBJECTS.keys())
def test_a_signed_event_with_a_malformed_object_is_acknowledged_and_applies_nothing(
    api_client, settings, unpaid_order, event_type, changes
):
    event = {"id": "evt_malformed", "object": "event", "type": event_type, "data": {"object": {}}}
    event["data"]["object"] = _charge(unpaid_order, **changes)

    response = _send_raw(api_client, settings, event)

    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "outcome": "malformed event, ignored"}
    unpaid_order.refresh_from_db()
    assert (unpaid_order.status, unpaid_order.disputed) == (Order.Status.UNPAID, False)
    assert not PaymentEvent.objects.exists()


NO_ORDER_IDS = {"400 digits": "9" * 400, "30 digits": "9" * 30, "other digits": "\u0661", "signed": "+1"}


@pytest.mark.parametrize("order_id", NO_ORDER_IDS.values(), ids=NO_ORDER_IDS.keys())
def test_an_order_id_that_is_no_order_id_matches_no_order(api_client, settings, unpaid_order, order_id):
    obj = _charge(unpaid_order, metadata={"order_id": order_id, "installation": unpaid_order.installation})
    event = {"id": "evt_no_order", "object": "event", "type": "charge.succeeded", "data": {"object": obj}}

    response = _send_raw(api_client, settings, event)

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "no matching order"
    unpaid_order.refresh_from_db()
    assert unpaid_order.status == Order.Status.UNPAID


MALFORMED_EVENTS = {
    "a list as data.object": {"id": "evt_1", "type": "charge.succeeded", "data": {"object": [1, 2]}},
    "a string as data": {"id": "evt_1", "type": "charge.succeeded", "data": "x"},
    "no data": {"id": "evt_1", "type": "charge.succeeded"},
    "a 300-character event id": {"id": "evt_" + "e" * 296, "type": "charge.succeeded", "data": {"object": {}}},
    "an event id with a lone surrogate": {"id": "evt_\ud800", "type": "charge.succeeded", "data": {"object": {}}},
    "an event id that is a number": {"id": 7, "type": "charge.succeeded", "data": {"object": {}}},
    "a type that is a list": {"id": "evt_1", "type": ["charge.succeeded"], "data": {"object": {}}},
    "a list as the event": [{"id": "evt_1"}],
}


@pytest.mark.parametrize("event", MALFORMED_EVENTS.values(), ids=MALFORMED_EVENTS.keys())
def test_a_signed_event_of_a_malformed_shape_is_acknowledged_not_a_500(api_client, settings, unpaid_order, event):
    response = _send_raw(api_client, settings, event)

    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json() == {"received": True, "outcome": "malformed event, ignored"}
    else:
        assert response.json()["code"] == "webhook_invalid"
    assert not PaymentEvent.objects.exists()


def test_a_failure_message_with_a_lone_surrogate_still_fails_the_order_readably(api_client, settings, unpaid_order):
    unpaid_order.stripe_charge_id = ""
    unpaid_order.save()
    obj = _charge(unpaid_order, status="failed", failure_message="Declined \ud800 by the bank")
    event = {"id": "evt_failed", "object": "event", "type": "charge.failed", "data": {"object": obj}}

    response = _send_raw(api_client, settings, event)

    assert response.status_code == 200, response.content
    unpaid_order.refresh_from_db()
    assert unpaid_order.status == Order.Status.FAILED
    assert unpaid_order.failure_reason == "Declined ? by the bank"
