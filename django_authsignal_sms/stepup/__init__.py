"""Step-up for any action: track it with Authsignal, run it when the rules allow, ask for a code
when they say so. ``step_up_required`` (function views), ``StepUpRequiredMixin`` (class-based
views) and ``drf.StepUpPermission`` (Django REST framework) share one implementation."""

from __future__ import annotations

from .config import StepUp
from .shapes import StepUpRequiredMixin, check, step_up_required

__all__ = ["StepUp", "StepUpRequiredMixin", "check", "step_up_required"]
