"""Small template helpers for the staff pages."""
import json
from datetime import date, datetime, time

from django import template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html

from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label):
    """A main-menu link, marked as the current page for its whole section."""
    url = reverse(url_name)
    path = context["request"].path
    current = path == url or (url != "/" and path.startswith(url))
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', url, label)
    return format_html('<a href="{}">{}</a>', url, label)


@register.filter
def moment(value):
    """An instant in the clinic's time zone: "08:15" today, "Tue 3 Jun, 08:15" otherwise."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "D j M, H:i")


@register.filter
def fact(value):
    """A value of a folded state, as a person reads it (instants in the clinic's time zone)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "D j M Y, H:i")
    if isinstance(value, date):
        return formats.date_format(value, "j M Y")
    if isinstance(value, time):
        return formats.time_format(value, "H:i")
    return value


@register.filter
def worked(seconds):
    """Seconds worked as a person reads them: "7 h 45 min", "7 h", "45 min".
    Payroll reads minutes; a decimal "7.75" reads as seven hours seventy-five."""
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    whole_hours, rest = divmod(minutes, 60)
    if not whole_hours:
        return f"{rest} min"
    return f"{whole_hours} h {rest} min" if rest else f"{whole_hours} h"


@register.filter
def pretty_json(value):
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


@register.filter
def hours_seen_by(doctor, user):
    """``{% if doctor|hours_seen_by:user %}``: may this user see the doctor's hours?"""
    return may(staff_of(user), Capability.SEE_HOURS, doctor.id)


@register.filter
def week_seen_by(doctor, user):
    """``{% if doctor|week_seen_by:user %}``: may this user open the doctor's week
    calendar (it names the patients booked, so a clinician sees only their own)?"""
    return may(staff_of(user), Capability.SEE_PATIENTS, doctor.id)
