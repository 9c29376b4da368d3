"""Stripe's test card numbers the tests pay with; the Stripe emulator answers them as Stripe does."""

# Accepted when attached to the shopper's Stripe Customer, declined when charged.
DECLINED_AT_CHARGE = "4000000000000341"
# Declined as soon as it is attached to the Customer.
DECLINED_AT_ATTACH = "4000000000000002"
# The bank asks for 3-D Secure; the payment succeeds once the shopper passes it.
THREE_D_SECURE = "4000002760003184"
# The bank asks for 3-D Secure, then declines the payment even when the shopper passes it.
THREE_D_SECURE_THEN_DECLINED = "4000008400001629"
