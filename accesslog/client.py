"""The client's address the access log keeps (and the request's `client_ip`)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address: the peer's, or — when the peer is one of the
    TRUSTED_PROXY_ADDRESSES and TRUSTED_PROXY_COUNT proxies stand in front — the address
    the outermost proxy saw, counted from the right of X-Forwarded-For. From anyone else
    the header is ignored: a client cannot choose the address the access log keeps."""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not peer or not forwarded_for or not _is_trusted_proxy(peer):
        return peer or None
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < count:
        return peer
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return peer


def _is_trusted_proxy(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXY_ADDRESSES)
