"""Run one function from many threads at once, the way concurrent requests arrive."""

import threading
from collections.abc import Callable

from django.db import connections


def run_concurrently[T](count: int, task: Callable[[int], T]) -> list[T]:
    """Call `task(i)` for i in range(count), each in its own thread, released together; return the results.

    Each thread closes its database connections when done (tests using this need
    `django_db(transaction=True)`); an exception in any thread is raised here.
    """
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = task(index)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
