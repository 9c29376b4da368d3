"""Password hashing sized for the instances the shop runs on."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's recommended minimum: 19 MiB of memory, 2 passes, 1 lane.

    Django's default (100 MiB, 8 lanes) costs 180 ms of a 2-vCPU instance and
    100 MiB of memory per login: eight concurrent logins would want 800 MB of a
    2 GiB instance, so a burst of logins could starve the shop. This costs about
    20 ms and 19 MiB. Hashes made with other parameters still verify, and are
    rehashed with these at the shopper's next login.
    """

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
