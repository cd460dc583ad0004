"""Class-based views whose decorators wrap the view function once, when the URLconf builds it.

``method_decorator(..., name="dispatch")`` decorates ``dispatch`` again on every request (a new
partial, ``update_wrapper``, and each decorator's own set-up), about 8 µs per request for
``never_cache`` and ``csrf_protect``: on the code page and its endpoints, which every pending
sign-in calls, that is worth not paying.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.views import View

ViewFunction = Callable[..., Any]
ViewDecorators = Sequence[Callable[[ViewFunction], ViewFunction]]


class DecoratedView(View):
    """``decorators`` wrap ``as_view()``'s function, the first outermost, as ``method_decorator``
    with a list would; a subclass names all of its own (they are not added to its parent's)."""

    decorators: ClassVar[ViewDecorators] = ()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> ViewFunction:
        view: ViewFunction = super().as_view(**initkwargs)
        for decorator in reversed(cls.decorators):
            view = decorator(view)
        return view
