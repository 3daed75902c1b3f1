"""Celery application, configured from Django settings (the CELERY_ namespace)."""

import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# A lost, refused or reset database connection, a deadlock or a serialization failure: the
# database will very likely take the same work a little later. Tasks are idempotent, so running
# one again after such an error is safe (its transaction was rolled back).
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


class ClearroomTask(Task):
    """The base of every task: transient database errors retry it with exponential backoff.

    One place instead of an option on each task. The worker closes the task's database
    connections before and after every run (Celery's Django fixup), so a retry connects afresh.
    """

    autoretry_for = TRANSIENT_DATABASE_ERRORS
    retry_backoff = 2  # 2, 4, 8, ... seconds, with full jitter
    retry_backoff_max = 120
    retry_jitter = True
    # At most about two minutes of retries in all (2 + 4 + ... + 64 s): a restart or fail-over.
    max_retries = 6


app = Celery("clearroom", task_cls=ClearroomTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks that live in a sub-package of an app are not found by the default discovery.
app.autodiscover_tasks(["sharing.taxii"])
