"""No browser, proxy or shared cache keeps a copy of what the clinic answers.

Every response Django builds gets ``Cache-Control: no-store`` (with the rest of
Django's never-cache headers: ``no-cache, must-revalidate, private, max-age=0``
and an ``Expires`` in the past): the staff pages, the API, the admin, the live
stream, the schema and docs, the sign-in page, redirects and errors.

Why every response rather than a list of the ones with patient data: nearly every
page and endpoint shows a patient, an appointment that names one, or an event that
does (the dashboard, the lists, the event log and feed, the stream histories, the
admin), and a list of exceptions is one that a new page is forgotten from. What
is left — the sign-in page, redirects, errors, the doctors' pages — gains nothing
from a cache. A view's own caching headers are tightened, never loosened.

Static files keep their caching: WhiteNoise answers them above this middleware
(settings.MIDDLEWARE), so they never reach it.
"""
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin


class NeverStore(MiddlewareMixin):
    def process_response(self, request, response):
        add_never_cache_headers(response)
        return response
