"""A subscriber's alert email, Atom feed (RFC 4287) and iCalendar feed of deadlines (RFC 5545).

Everything here is built from ``registry.alerts.Alert`` rows and public deadlines: public facts
only. The area's label is the subscriber's own (personal data): it appears only in their own
email. The feeds (at an unguessable URL) name no area, so a feed address that leaks reveals none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import icalendar

from ..alerts import area_words
from .atom import ATOM, EMPTY_FEED_UPDATED, add_element


def email_text(subscription, alerts: Iterable, *, base: str, unsubscribe_url: str, feed_url: str) -> tuple[str, str]:
    """(subject, body) of one alert email."""
    alerts = list(alerts)
    notices = sorted((a for a in alerts if a.last_day), key=lambda a: a.last_day)
    if notices and len(alerts) == 1:
        subject = f"{notices[0].subject} by {notices[0].last_day:%-d %B %Y}"
    elif notices:
        subject = f"{len(alerts)} alerts, including a notice ({notices[0].subject} by " \
                  f"{notices[0].last_day:%-d %B %Y})"
    else:
        subject = f"{len(alerts)} new alert{'s' if len(alerts) != 1 else ''} for {area_words(subscription)}"
    lines = [f"Alerts for {area_words(subscription)}.", ""]
    for alert in alerts:
        lines += [alert.title, alert.summary]
        if alert.last_day:
            lines.append(f"Last day {alert.last_day_for}: {alert.last_day:%A %-d %B %Y}.")
        lines += [base + alert.path, ""]
    lines += [f"Your feeds: {feed_url}.atom and {feed_url}.ics", "",
              f"Stop these alerts with one click: {unsubscribe_url}"]
    return subject, "\n".join(lines)


def atom_feed(subscription, alerts: Iterable, *, self_url: str, base: str) -> bytes:
    alerts = sorted(alerts, key=lambda a: (a.on_date, a.key), reverse=True)
    feed = ElementTree.Element("feed", {"xmlns": ATOM})
    add_element(feed, "title", "Your community rights alerts")  # never the area: a leaked feed URL shows no one's home
    add_element(feed, "id", self_url)
    add_element(feed, "link", rel="self", href=self_url)
    add_element(feed, "updated", _stamp(alerts[0].on_date) if alerts else EMPTY_FEED_UPDATED)
    add_element(add_element(feed, "author"), "name", "Community asset register")
    for alert in alerts:
        entry = add_element(feed, "entry")
        add_element(entry, "title", alert.title)
        add_element(entry, "id", f"{base}{alert.path}#{alert.key}")
        add_element(entry, "link", rel="alternate", type="text/html", href=base + alert.path)
        add_element(entry, "updated", _stamp(alert.on_date))
        add_element(entry, "summary", alert.summary)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="utf-8")


def _stamp(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()


def deadline_words(label: str) -> str:
    """A calendar event's words for a deadline: its label if it already says "last day", else "Last day: …"."""
    return label if "last day" in label.lower() else f"Last day: {label}"


def ical_feed(subscription, deadlines: Iterable[dict], *, base: str, host: str) -> bytes:
    """One all-day event on each open deadline's last day (its agreed extension, if any)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Community asset register//Alerts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Community rights deadlines near you")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for d in deadlines:
        due = date.fromisoformat(d["effective_due"])
        event = icalendar.Event()
        event.add("uid", f"{d['case_id']}-{d['rule']}-{d['anchor_date']}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", due)
        event.add("dtend", due + timedelta(days=1))
        event.add("summary", f"{deadline_words(d['label'])} ({d['reference']}: {d['title']})")
        event.add("url", f"{base}/cases/{d['case_id']}")
        calendar.add_component(event)
    return calendar.to_ical()
