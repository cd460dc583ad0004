"""The outbox: every message the emulator "sent", indexed by recipient, user and challenge, and
kept for ``OUTBOX_RETENTION`` seconds of emulator time after it was sent.

Messages arrive in the order they are sent, so the oldest are always first, in the whole outbox
and in each index: dropping the expired ones only ever looks at the front of each queue.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from .state import Message

# One hour after it was sent (a code itself dies after 10 minutes): long enough for a test or the
# demo's outbox panel to read it, short enough that a long run does not keep every code it sent.
OUTBOX_RETENTION = 3600.0


class Outbox:
    """Sent messages, oldest first. Not thread-safe: the server's lock covers it."""

    def __init__(self) -> None:
        self._all: deque[Message] = deque()
        self._by_recipient: dict[str, deque[Message]] = {}
        self._by_user: dict[str, deque[Message]] = {}
        self._by_challenge: dict[str, Message] = {}
        # Messages looked at by the reads below (for tests of the emulator's own cost).
        self.examined = 0

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[Message]:
        return iter(list(self._all))

    def add(self, message: Message) -> None:
        self._all.append(message)
        self._by_recipient.setdefault(message.to, deque()).append(message)
        self._by_user.setdefault(message.key.user_id, deque()).append(message)
        self._by_challenge[message.challenge_id] = message

    def messages(self, *, to: str | None = None, user_id: str | None = None) -> list[Message]:
        """Oldest first; with ``to`` or ``user_id``, only that recipient's or user's (from its
        index: the cost does not depend on what else the outbox holds)."""
        if to is not None:
            candidates = self._by_recipient.get(to, deque())
        elif user_id is not None:
            candidates = self._by_user.get(user_id, deque())
        else:
            candidates = self._all
        self.examined += len(candidates) or 1
        return [m for m in candidates if user_id is None or m.key.user_id == user_id]

    def for_challenge(self, challenge_id: str) -> Message | None:
        self.examined += 1
        return self._by_challenge.get(challenge_id)

    def expire(self, now: float) -> int:
        """Drop the messages sent more than ``OUTBOX_RETENTION`` ago; how many were dropped."""
        dropped = 0
        while self._all and self._all[0].sent_at + OUTBOX_RETENTION <= now:
            message = self._all.popleft()
            _pop_front(self._by_recipient, message.to, message)
            _pop_front(self._by_user, message.key.user_id, message)
            if self._by_challenge.get(message.challenge_id) is message:
                del self._by_challenge[message.challenge_id]
            dropped += 1
        return dropped

    def index_sizes(self) -> dict[str, int]:
        return {
            "recipients": len(self._by_recipient),
            "users": len(self._by_user),
            "challenges": len(self._by_challenge),
        }


def _pop_front(index: dict[str, deque[Message]], name: str, message: Message) -> None:
    """The index's queue for ``name`` starts with ``message`` (same order as the outbox)."""
    queue = index.get(name)
    if queue and queue[0] is message:
        queue.popleft()
    if queue is not None and not queue:
        del index[name]
