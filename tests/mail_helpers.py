"""A real SMTP server for end-to-end tests: an aiosmtpd handler keeping each message."""

import email
import email.policy
import socket


class Inbox:
    """An aiosmtpd handler keeping every message it accepts, with its recipients."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
