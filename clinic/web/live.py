"""Live updates: when the read side advances, open staff pages are told over
Server-Sent Events and re-fetch what they show.

* The read side sends ``readmodels.runner.projections_advanced`` after a catch-up
  that moved a checkpoint; we turn it into one SSE event on one channel. It runs in
  whichever process projected — the web process in the embedded mode, a Celery
  worker in production, which reaches the browsers through ``EVENTSTREAM_REDIS``.
* Only signed-in staff with a role may subscribe: the stream view refuses everyone
  else with 403 (so a browser does not retry), and the channel manager refuses them
  too. An update carries nothing but a position in the event log: no name, no id.
  A page that hears it re-fetches itself, through ``staff_page``, so it shows again
  only what its user may see.
* Events are stored (``EVENTSTREAM_STORAGE_CLASS``): a page renders the current
  stream id and connects with it as ``lastEventId``, so nothing sent while it
  loads is lost, and a stream that drops resumes from ``Last-Event-ID``.
"""
import logging

from django.dispatch import receiver
from django.http import HttpResponseForbidden
from django_eventstream import get_current_event_id, send_event
from django_eventstream.channelmanager import DefaultChannelManager
from django_eventstream.views import events

from clinic.roles.staff import staff_of
from readmodels.runner import projections_advanced

logger = logging.getLogger(__name__)

CHANNEL = "clinic"
EVENT_TYPE = "projected"
REFRESH_HEADER = "X-Clinic-Live-Refresh"


class StaffChannelManager(DefaultChannelManager):
    """One fixed channel (a client cannot pick others), readable by staff only."""

    def get_channels_for_request(self, request, view_kwargs):
        return {CHANNEL}

    def can_read_channel(self, user, channel):
        return channel == CHANNEL and staff_of(user).has_role

    def is_channel_reliable(self, channel):
        return True


def current_stream_id():
    """The id a page connects with: "clinic:<n>", the last update sent so far."""
    return get_current_event_id([CHANNEL])


def stream(request):
    if not staff_of(request.user).has_role:
        return HttpResponseForbidden("Live updates are for signed-in clinic staff.", content_type="text/plain")
    return events(request)


@receiver(projections_advanced, dispatch_uid="clinic.web.live.announce")
def announce(sender, positions, **kwargs):
    """Tell open pages the read side has reached ``position``. Best effort: the
    projection has committed whatever happens here, and pages still show the
    truth on their next load."""
    try:
        send_event(CHANNEL, EVENT_TYPE, {"position": min(positions.values())})
    except Exception:
        logger.exception("Could not announce projection up to %s to live pages.", positions)
