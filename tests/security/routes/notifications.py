"""notifications/: the bell, the list, marking read, e-mail preferences, unsubscribing,
and the API. Notifications are the recipient's own: everyone else gets 404."""

from tests.security.matrix import by_kind, by_role, entry, everyone


def _notification(mw, foreign):  # type: ignore[no-untyped-def]
    """A notification of the guardian (or, for foreign-id probes, of the other family)."""
    key = "notification:foreign" if foreign else "notification"
    if key not in mw.objects:
        from access.scoping import system_scope
        from notifications import services

        user = mw.other_guardian.user if foreign else mw.guardian1.user
        case = mw.other_case if foreign else mw.case
        with system_scope():
            (mw.objects[key],) = services.notify(recipients=[user], kind="meeting.called", case=case)
    return mw.objects[key].uuid


def _token(mw, foreign):  # type: ignore[no-untyped-def]
    from notifications.mail import unsubscribe_token

    return unsubscribe_token(mw.guardian1.user)


signed_in = by_kind(staff=200, family=200, anonymous=302)
own = by_role(404, guardian=302, anonymous=302)  # the guardian's own notification

TABLE = {
    "notifications:list": entry(signed_in, post=everyone(405)),
    "notifications:bell": entry(signed_in),
    "notifications:mark_all_read": entry(everyone(405), post=by_kind(staff=302, family=302, anonymous=302)),
    # POST with no choices is refused (400) and changes nothing.
    "notifications:preferences": entry(signed_in, post=by_kind(staff=400, family=400, anonymous=302)),
    # The signed link needs no sign-in: the same for everyone.
    "notifications:unsubscribe": entry(everyone(200), post=everyone(200), kwargs={"token": _token}),
    "notifications:open": entry(own, post=everyone(405), kwargs={"notification_uuid": _notification}),
    "notifications:mark_read": entry(everyone(405), post=own, kwargs={"notification_uuid": _notification}),
    # API: a person's own notifications only.
    "notification-list": entry(by_kind(staff=200, family=200, anonymous=401), api=True),
    "notification-detail": entry(by_role(404, guardian=200, anonymous=401), kwargs={"uuid": _notification}, api=True),
    "notification-read": entry(
        by_role(405, anonymous=401),
        post=by_role(404, guardian=200, anonymous=401),
        kwargs={"uuid": _notification},
        api=True,
    ),
    "notification-read-all": entry(
        by_role(405, anonymous=401), post=by_kind(staff=200, family=200, anonymous=401), api=True
    ),
}
