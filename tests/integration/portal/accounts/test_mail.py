"""The mailer: SMTP when a host is configured (a minimal SMTP server runs on 127.0.0.1),
otherwise the outbox folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from config.settings import MailSettings
from portal.adapters.mail import Mailer, list_outbox, read_mail


class SmtpSink:
    """Enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT (no TLS, no auth)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender, recipients = "", []

        async def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        await reply("220 sink ready")
        while line := (await reader.readline()).decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                await reply("250 sink")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip(" <>")
                await reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                await reply("250 OK")
            elif verb == "DATA":
                await reply("354 go on")
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk
                self.messages.append((sender, recipients, data))
                await reply("250 queued")
            elif verb == "QUIT":
                await reply("221 bye")
                break
            else:
                await reply("250 OK")
        writer.close()


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    await sink.start()
    yield sink
    await sink.stop()


async def test_mail_goes_over_smtp_when_a_host_is_configured(
    smtp: SmtpSink, tmp_path: Path
) -> None:
    settings = MailSettings(
        smtp_host="127.0.0.1", smtp_port=smtp.port, starttls=False, sender="priem@example.ru"
    )
    mailer = Mailer(settings, tmp_path / "outbox")
    await mailer.send("citizen@example.ru", "Заявка № 1", "Текст письма", "<p>Текст</p>")
    ((sender, recipients, data),) = smtp.messages
    assert sender == "priem@example.ru"
    assert recipients == ["citizen@example.ru"]
    message = message_from_bytes(data, policy=policy.default)
    assert message["Subject"] == "Заявка № 1"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().strip() == "Текст письма"
    assert list_outbox(tmp_path / "outbox") == [], "nothing lands in the outbox"


async def test_without_smtp_mail_is_written_to_the_outbox(tmp_path: Path) -> None:
    mailer = Mailer(MailSettings(), tmp_path / "outbox")
    await mailer.send("a@example.ru", "Первое", "Один")
    await mailer.send("b@example.ru", "Второе", "Два")
    mails = list_outbox(tmp_path / "outbox")
    assert [m.subject for m in mails] == ["Второе", "Первое"], "newest first"
    assert mails[1].text.strip() == "Один"
    assert read_mail(tmp_path / "outbox", "../../etc/passwd") is None
    assert read_mail(tmp_path / "outbox", "missing.eml") is None
