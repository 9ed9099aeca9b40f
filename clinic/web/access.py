"""Who may see the staff pages: signed-in, active staff accounts only."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from clinic.staff import is_clinic_staff

from . import live


def staff_page(view):
    """Wrap every staff page.

    Anonymous visitors go to the sign-in page; other accounts get 403, as in the
    API. The live stream id is taken *before* the page reads anything: an update
    projected while the page renders then has a later id, and the page, connecting
    with this one, is still told about it.
    """
    @wraps(view)
    def page(request, *args, **kwargs):
        if not is_clinic_staff(request.user):
            raise PermissionDenied("This account is not a clinic staff account.")
        request.live_stream_id = live.current_stream_id()
        # A live refresh re-renders the page in the background: it must not
        # consume the flash messages meant for the page the user loads next.
        request.live_refresh = request.headers.get(live.REFRESH_HEADER) == "1"
        return view(request, *args, **kwargs)

    return login_required(page)
