"""Sending mail over SMTP (host, port, TLS and sender from the configuration)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

log = logging.getLogger(__name__)


class MailNotConfigured(RuntimeError):
    pass


def send(config: Any, to: str, subject: str, body: str) -> None:
    """One plain-text mail. TLS is verified against the system's CAs; "none" is meant for a
    relay on loopback only."""
    host = config.get("SMTP_HOST")
    if not host:
        raise MailNotConfigured("SMTP_HOST is not configured")
    message = EmailMessage()
    message["From"] = config["SMTP_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    port, timeout = int(config["SMTP_PORT"]), float(config["SMTP_TIMEOUT_SECONDS"])
    mode = str(config.get("SMTP_TLS") or "none").lower()
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if mode == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if mode == "starttls":
            smtp.starttls(context=context)
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
