"""The configured log output: no line grows with what a client sent."""

import io
import logging

import pytest


@pytest.fixture
def console():
    """What the console handler that settings.LOGGING configures writes, read back."""
    (handler,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_huge_message_is_cut(console):
    logging.getLogger("frameseller.test").warning("Odd login for %s", "a" * 60_000)

    written = console.getvalue()
    assert "Odd login for aaaa" in written
    assert "more characters cut]" in written
    assert len(written) < 4_200


def test_a_huge_exception_message_in_a_traceback_is_cut(console):
    try:
        raise ValueError("b" * 60_000)
    except ValueError:
        logging.getLogger("frameseller.test").exception("Unhandled error")

    written = console.getvalue()
    assert "Traceback (most recent call last)" in written
    assert "ValueError: bbbb" in written
    assert len(written) < 4_000


def test_a_short_message_is_left_alone(console):
    logging.getLogger("frameseller.test").warning("Payment outcome unknown for order %s", 15)

    assert console.getvalue().rstrip().endswith("Payment outcome unknown for order 15")
