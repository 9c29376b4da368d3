"""The catalog's background tasks, run by the worker (`manage.py run_worker`; frameseller.tasks)."""

from django.db import DatabaseError
from django.tasks import task

from catalog.photos import product_derivatives_make
from frameseller.tasks import retried


# Storage (S3) or the database briefly away: 4 attempts over about 4 minutes.
@retried(attempts=4, backoff_seconds=30, on=(DatabaseError, OSError))
@task
def product_derivatives_task(*, product_id: int) -> str:
    """Make a new photo's thumbnail and preview, then put it on sale (catalog.photos)."""
    return "made" if product_derivatives_make(product_id=product_id) else "nothing to make"
