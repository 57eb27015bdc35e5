"""E-mail through SES; in the dev stack a copy of each mail is also kept as a file to read."""

from __future__ import annotations

import os
import time
from email.message import EmailMessage
from typing import Any

from chalicelib.kernel.errors import EmailUnavailable


class SesMailer:
    def __init__(self, *, ses_client: Any, sender: str, mail_dir: str | None) -> None:
        self._ses = ses_client
        self._sender = sender
        self._mail_dir = mail_dir

    def send(self, *, to: str, subject: str, text: str, html: str) -> str:
        msg = EmailMessage()
        msg["From"] = self._sender
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        try:
            result = self._ses.send_raw_email(Source=self._sender, Destinations=[to],
                                              RawMessage={"Data": msg.as_bytes()})
        except Exception as exc:
            raise EmailUnavailable("the e-mail could not be sent yet; it will be retried") from exc
        message_id = str(result.get("MessageId", ""))
        if self._mail_dir:
            os.makedirs(self._mail_dir, exist_ok=True)
            name = f"{time.time_ns()}-{message_id or 'mail'}.eml"
            with open(os.path.join(self._mail_dir, name), "wb") as fh:
                fh.write(msg.as_bytes())
        return message_id
