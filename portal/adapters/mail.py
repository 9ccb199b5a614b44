"""Outgoing mail: SMTP when a host is configured, otherwise files in an outbox folder.

The outbox keeps the embedded default working without a mail server: an operator reads
the messages in the admin pages, and tests follow activation links from there.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from config.settings import MailSettings

log = logging.getLogger(__name__)
SMTP_TIMEOUT_S = 30.0


class Mailer:
    """Sends one message at a time; SMTP runs in a worker thread so the loop never blocks."""

    def __init__(self, settings: MailSettings, outbox_dir: Path) -> None:
        self.settings = settings
        self.outbox_dir = outbox_dir

    async def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = f"<{uuid.uuid4().hex}@{self.settings.sender.split('@')[-1]}>"
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        if self.settings.smtp_host:
            await asyncio.to_thread(self._smtp, message)
            log.info("mail sent over SMTP", extra={"subject": subject})
        else:
            name = await asyncio.to_thread(self._write_outbox, message)
            log.info("mail written to the outbox", extra={"file": name})

    def _smtp(self, message: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_S) as client:
            if s.starttls:
                client.starttls(context=ssl.create_default_context())
            if s.smtp_user and s.smtp_password:
                client.login(s.smtp_user, s.smtp_password.get_secret_value())
            client.send_message(message)

    def _write_outbox(self, message: EmailMessage) -> str:
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.outbox_dir / f".{name}.part"
        partial.write_bytes(message.as_bytes(policy=policy.SMTP))
        partial.rename(self.outbox_dir / name)
        return name


@dataclass(frozen=True)
class OutboxMail:
    name: str
    to: str
    subject: str
    sent_at: datetime | None
    text: str


def _is_outbox_name(name: str) -> bool:
    return name.endswith(".eml") and not name.startswith(".") and "/" not in name


def read_mail(outbox_dir: Path, name: str) -> OutboxMail | None:
    """One outbox message by file name; None for anything that is not one (no traversal)."""
    if not _is_outbox_name(name):
        return None
    path = outbox_dir / name
    if not path.is_file():
        return None
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    date = message["Date"]
    return OutboxMail(
        name=name,
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        sent_at=parsedate_to_datetime(str(date)) if date else None,
        text=body.get_content() if body is not None else "",
    )


def list_outbox(outbox_dir: Path, limit: int = 200) -> list[OutboxMail]:
    """The newest messages first."""
    if not outbox_dir.is_dir():
        return []
    names = sorted((p.name for p in outbox_dir.iterdir() if _is_outbox_name(p.name)), reverse=True)
    found = (read_mail(outbox_dir, name) for name in names[:limit])
    return [mail for mail in found if mail is not None]
