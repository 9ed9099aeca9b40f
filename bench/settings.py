"""Settings for the benchmark processes: Clinic's own settings (from the
environment, as deployed), plus

* plain HTTP for the in-process client (no HTTPS redirect), as ``tests.settings``;
* ``bench.urls``: Clinic's URLs plus the fold baseline's endpoint, which exists
  only here so that both answers go through the same middleware, authentication
  and rendering.
"""
from clinic.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
ROOT_URLCONF = "bench.urls"

import warnings  # noqa: E402

# WhiteNoise warns that collectstatic has not run; the benchmarks serve no static files.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
