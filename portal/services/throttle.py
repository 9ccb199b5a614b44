"""Slowing down repeated failed sign-ins, per account and per client address.

After a few free failures every further failure blocks the key for a growing delay
(doubling up to a ceiling); while a key is blocked, attempts are refused without even
checking the password. An address gets more free failures than an account, since many
citizens may share one address behind a NAT. State lives in the database, so every node
of a deployment sees the same counters.

The same counters limit registrations and reset requests per client address (FORM_POLICY),
where every submission counts, since each one sends a letter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.orm import SignInFailures
from portal.errors import TooManyAttempts
from portal.text import Text


@dataclass(frozen=True)
class Policy:
    free_failures: int
    base_delay: timedelta
    max_delay: timedelta

    def delay_after(self, failures: int) -> timedelta:
        """No delay for the free failures, then base, 2*base, 4*base ... up to max."""
        if failures <= self.free_failures:
            return timedelta()
        exponent = min(failures - self.free_failures - 1, 20)
        delay: timedelta = self.base_delay * 2**exponent
        return min(delay, self.max_delay)


FORGET_AFTER = timedelta(hours=1)
"""A key's failures are forgotten after this long without a new one."""

ACCOUNT_POLICY = Policy(
    free_failures=3, base_delay=timedelta(seconds=5), max_delay=timedelta(minutes=15)
)
ADDRESS_POLICY = Policy(
    free_failures=20, base_delay=timedelta(seconds=5), max_delay=timedelta(minutes=15)
)
FORM_POLICY = Policy(
    free_failures=10, base_delay=timedelta(minutes=1), max_delay=timedelta(hours=1)
)
"""Registrations and reset requests per client address: each one sends a letter, so every
submission counts, not only failures. Ten an hour are free (a family or an office behind
one address), then a minute's wait, doubling."""

SIGN_IN_REFUSED = Text(
    "Слишком много неудачных попыток входа. Подождите и повторите.",
    "Too many failed sign-in attempts. Wait and try again.",
)
FORM_REFUSED = Text(
    "Слишком много запросов с вашего адреса. Подождите и повторите.",
    "Too many requests from your address. Wait and try again.",
)


def account_key(identifier: str) -> str:
    """An identifier that names no account, in its normal form (see `user_key`)."""
    return f"account:{identifier.strip().lower()}"[:300]


def user_key(user_id: int) -> str:
    """An account however its e-mail or phone was written: failures count per account."""
    return f"account:#{user_id}"


def form_key(address: str) -> str:
    """Registrations and reset requests of one client address (one budget for both)."""
    return f"form:{address}"[:300]


def address_key(address: str) -> str:
    return f"address:{address}"[:300]


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite returns naive datetimes; compare them as UTC."""
    return moment.replace(tzinfo=like.tzinfo) if moment.tzinfo is None else moment


async def check_allowed(
    session: AsyncSession, keys: list[str], now: datetime, refusal: Text = SIGN_IN_REFUSED
) -> None:
    """Raise TooManyAttempts (worded as `refusal`) while any of the keys is blocked."""
    rows = await session.execute(
        select(SignInFailures.blocked_until).where(
            SignInFailures.key.in_(keys), SignInFailures.blocked_until.is_not(None)
        )
    )
    waits = [(_aware(until, now) - now).total_seconds() for (until,) in rows if until is not None]
    longest = max(waits, default=0.0)
    if longest > 0:
        seconds = math.ceil(longest)
        raise TooManyAttempts(refusal.ru, en=refusal.en, retry_after=seconds)


async def record_failure(
    session: AsyncSession, key: str, policy: Policy, now: datetime
) -> timedelta:
    """Count one failure; returns the delay now imposed on the key.

    Keys come from what strangers type, so forgotten ones are deleted as new ones come.
    """
    await session.execute(
        delete(SignInFailures).where(
            SignInFailures.last_failure_at < now - FORGET_AFTER,
            or_(SignInFailures.blocked_until.is_(None), SignInFailures.blocked_until < now),
        )
    )
    row = await session.get(SignInFailures, key)
    if row is None:
        row = SignInFailures(key=key, failures=0, last_failure_at=now)
        session.add(row)
    elif now - _aware(row.last_failure_at, now) > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    delay = policy.delay_after(row.failures)
    row.blocked_until = now + delay if delay else None
    return delay


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(delete(SignInFailures).where(SignInFailures.key == key))


async def count_form_submission(session: AsyncSession, address: str, now: datetime) -> None:
    """Count a registration or reset request from `address`; TooManyAttempts while the
    address is over FORM_POLICY (the refused one is not counted)."""
    key = form_key(address)
    await check_allowed(session, [key], now, FORM_REFUSED)
    await record_failure(session, key, FORM_POLICY, now)
