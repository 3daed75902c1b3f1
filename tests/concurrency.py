"""Run callables at the same moment from several threads (PostgreSQL concurrency tests)."""

from __future__ import annotations

import threading

from django.db import connection

from config.errors import ApplicationError


def race(workers):
    """Run callables at once from a barrier; return (results, ApplicationErrors).

    Any other exception (a deadlock, an integrity error) fails the calling test.
    """
    barrier = threading.Barrier(len(workers))
    wins, losses, crashes = [], [], []

    def run(work):
        try:
            barrier.wait()
            wins.append(work())
        except ApplicationError as exc:
            losses.append(exc)
        except Exception as exc:  # a deadlock or integrity error fails the test
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not crashes, crashes
    return wins, losses
