"""Menu entries of the access-log pages."""


def items(viewer):  # type: ignore[no-untyped-def]
    return []
