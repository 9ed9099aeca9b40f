"""Signing in, at every door: the staff pages (``/accounts/login/``), the admin
(``/admin/login/``) and the API (``POST /api/auth/token/``).

* ``tokens``: API tokens (django-rest-knox). One per sign-in, stored as a digest,
  each expiring ``CLINIC_TOKEN_TTL_HOURS`` after it was issued; ``POST
  /api/auth/logout/`` revokes the one that calls it, and a new password revokes
  all of that user's.
* ``lockout``: sign-in throttling (django-axes). Five failures for one username
  lock that username for fifteen minutes, at every door alike.
* ``sessions``: staff sessions end after 30 idle minutes, and 12 hours after
  signing in at the latest.
"""
