"""Who may see the staff pages: signed-in staff accounts, by their role.

Each page names the capability it needs (clinic.roles.rules): ``read`` for
GET (and for a POST that only reads, like a search), ``write`` for a POST that
gives a command, and ``for_doctor`` when it acts for one doctor, so a clinician
may act only for their own. What a page lists is narrowed by
``clinic.roles.visible``, the same narrowing as the API's.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from clinic.roles.rules import may
from clinic.roles.staff import NO_ROLE_MESSAGE, refusal, staff_of
from clinic.staff import is_clinic_staff

from . import live


def staff_page(read=None, *, write=None, for_doctor=None):
    """Wrap every staff page.

    Anonymous visitors go to the sign-in page; an account that is not staff, a
    staff account without a role and a role that may not get the 403 page, as in
    the API. A method the page declares nothing for (a GET of a form's target) is
    left to the view, which refuses it (``require_POST``: 405).

    The live stream id is taken *before* the page reads anything: an update
    projected while the page renders then has a later id, and the page, connecting
    with this one, is still told about it.
    """
    def decorate(view):
        @wraps(view)
        def page(request, *args, **kwargs):
            if not is_clinic_staff(request.user):
                raise PermissionDenied("This account is not a clinic staff account.")
            staff = staff_of(request.user)
            if not staff.has_role:
                raise PermissionDenied(NO_ROLE_MESSAGE)
            capability = (write if request.method == "POST" else None) or read
            if capability is not None:
                if not may(staff, capability):
                    raise PermissionDenied(refusal(capability))
                if for_doctor is not None and not may(staff, capability, for_doctor(kwargs)):
                    raise PermissionDenied(refusal(capability, for_another_doctor=True))
            request.live_stream_id = live.current_stream_id()
            # A live refresh re-renders the page in the background: it must not
            # consume the flash messages meant for the page the user loads next.
            request.live_refresh = request.headers.get(live.REFRESH_HEADER) == "1"
            return view(request, *args, **kwargs)

        return login_required(page)

    return decorate
