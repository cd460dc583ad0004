"""Three shapes of one protection: a decorator for function views, a mixin for class-based
views (both sync or async), and, in ``drf``, a permission class for Django REST framework."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase

from .. import api
from .config import CustomData, Purpose, StepUp
from .flow import guard
from .responses import not_signed_in, respond

View = TypeVar("View", bound=Callable[..., Any])


def check(request: HttpRequest, step: StepUp) -> HttpResponseBase | None:
    """The one implementation: ``None`` lets the view run; else the response to send."""
    if not request.user.is_authenticated:
        return not_signed_in(request, api.wants_json(request))
    outcome = guard(request, step, step.custom_data(request))
    return None if outcome is None else respond(request, outcome, api.wants_json(request))


def step_up_required(
    action: str,
    *,
    custom: CustomData | None = None,
    max_age: int = 300,
    fail_open: bool = False,
    bind: tuple[str, ...] | None = (),
    purpose: Purpose = "",
) -> Callable[[View], View]:
    """Protect a function view with ``action``: see ``StepUp`` for the arguments."""
    step = StepUp(action, custom, max_age, fail_open, bind, purpose)

    def decorate(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_protected(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                refusal = await sync_to_async(check)(request, step)
                return refusal if refusal is not None else await view(request, *args, **kwargs)

            return async_protected  # type: ignore[return-value]

        @functools.wraps(view)
        def protected(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refusal = check(request, step)
            return refusal if refusal is not None else view(request, *args, **kwargs)

        return protected  # type: ignore[return-value]

    return decorate


class StepUpRequiredMixin:
    """For class-based views: set ``step_up_action`` (and the other ``step_up_*`` attributes),
    or override ``get_step_up()``; ``step_up_custom(request)`` gives the rules their data."""

    step_up_action: str = ""
    step_up_max_age: int = 300
    step_up_fail_open: bool = False
    step_up_bind: tuple[str, ...] | None = ()
    step_up_purpose: Purpose = ""

    def step_up_custom(self, request: HttpRequest) -> dict[str, Any] | None:
        return None

    def get_step_up(self) -> StepUp:
        return StepUp(
            self.step_up_action,
            self.step_up_custom,
            self.step_up_max_age,
            self.step_up_fail_open,
            self.step_up_bind,
            self.step_up_purpose,
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        parent: Any = super()
        if getattr(self, "view_is_async", False):  # Django's View: async handlers
            return self._async_dispatch(request, *args, **kwargs)
        refusal = check(request, self.get_step_up())
        return refusal if refusal is not None else parent.dispatch(request, *args, **kwargs)

    async def _async_dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        refusal = await sync_to_async(check)(request, self.get_step_up())
        if refusal is not None:
            return refusal
        parent: Any = super()
        return await parent.dispatch(request, *args, **kwargs)
