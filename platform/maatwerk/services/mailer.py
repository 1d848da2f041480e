"""Sending one message by SMTP (MAATWERK_SMTP_URL): `smtps://` speaks TLS from the start,
`smtp://` switches to TLS with STARTTLS when the server offers it. A user and password in
the URL are only sent over TLS, except to a mail server on this machine."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from ..config import ConfigError
from ..persistence.models import OutboxMessage
from .outbox import Attachment

TIMEOUT = 30.0
_LOCAL = ("localhost", "127.0.0.1", "::1")


class MailError(Exception):
    """The message was not sent; the text says why (kept on the message, tried again)."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError("MAATWERK_SMTP_URL must be smtp://host:port or smtps://host:port")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
        except ValueError:
            raise ConfigError("MAATWERK_SMTP_URL has a port that is not a number") from None
        return cls(parts.hostname, port, parts.scheme == "smtps",
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, sender)

    def send(self, message: OutboxMessage, attachment: Attachment | None = None) -> None:
        mail = compose(message, self.sender, attachment)
        try:
            with self._connect() as smtp:
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}"[:500]) from exc

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        try:
            smtp.ehlo()
            encrypted = self.implicit_tls
            if not encrypted and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                encrypted = True
            if self.user:
                if not encrypted and self.host not in _LOCAL:
                    raise MailError("the mail server offers no TLS (STARTTLS); the password "
                                    "is not sent unencrypted")
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def compose(message: OutboxMessage, sender: str, attachment: Attachment | None = None
            ) -> EmailMessage:
    """The e-mail: plain text with an HTML alternative, in UTF-8; and the letter it
    carries, attached."""
    if message.recipient is None:
        raise MailError("the message has no address")
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = formatdate(message.created_at.timestamp(), localtime=False, usegmt=True)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    mail.set_content(message.body_text)
    mail.add_alternative(message.body_html, subtype="html")
    if attachment is not None:
        main, _, sub = attachment.content_type.partition("/")
        mail.add_attachment(attachment.content, maintype=main, subtype=sub,
                            filename=attachment.filename)
    # last: setting the content drops the Content-* headers of the message itself
    mail["Content-Language"] = message.language or "nl"
    return mail
