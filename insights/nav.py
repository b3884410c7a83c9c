"""Menu entries of this app's pages."""


def items(viewer):  # type: ignore[no-untyped-def]
    return []
