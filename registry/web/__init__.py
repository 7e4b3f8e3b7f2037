"""HTML views. Each view says who may call it: `@public` marks the open ones."""


def public(view):
    """Anyone may call this view, signed in or not; it shows only public projections."""
    view.permission = "public"
    return view
