"""The Celery app.

With no broker configured (the embedded default) settings make every task run
eagerly, in-process, so the app works with nothing else installed.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
