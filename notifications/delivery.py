"""Delivery of notification rows: a push over the websocket and e-mail, after commit.

Failures are swallowed and logged: the row waits in the database and the sweeper
re-dispatches it.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def dispatch(ids: list[int]) -> None:
    """Queue delivery of the given notification ids. Never raises into the request."""
    try:
        from notifications.tasks import deliver_notifications

        deliver_notifications.delay(ids)
    except Exception:  # broker down: the sweeper re-dispatches
        logger.warning("could not queue delivery of %d notifications", len(ids), exc_info=True)
