"""Projection follows new events: the store announces each commit, we schedule a
catch-up task. The write side never imports the read side."""
from django.dispatch import receiver

from events.store import events_committed


@receiver(events_committed)
def project_new_events(sender, position, **kwargs):
    from .tasks import project

    project.delay()
