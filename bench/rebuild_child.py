"""Run ``manage.py rebuild_readmodels`` in a process of its own and report it.

    python -m bench.rebuild_child   (DATABASE_URL and DJANGO_SETTINGS_MODULE from the environment)

Prints one JSON line: ``events`` (the log's length), ``seconds`` (wall time of
the command itself, after Django has started), and ``peak_rss_mb`` (the most
resident memory this process ever held: Django, the command and everything it
loaded). A fresh process per rebuild, so one rebuild's memory cannot hide in
another's.

The peak is the kernel's high-water mark of this program's memory (``VmHWM`` in
/proc/self/status), not getrusage's ``ru_maxrss``: on Linux that survives
fork+exec, so it would report the benchmark parent's memory when that is larger.
"""
import io
import json
import os
import resource
import time


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from events.models import StoredEvent

    events = StoredEvent.objects.count()
    started = time.perf_counter()
    call_command("rebuild_readmodels", stdout=io.StringIO(), stderr=io.StringIO())
    seconds = time.perf_counter() - started
    print(json.dumps({"events": events, "seconds": seconds, "peak_rss_mb": peak_rss_kib() / 1024}))


def peak_rss_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # elsewhere: KiB on Linux, bytes on macOS


if __name__ == "__main__":
    main()
