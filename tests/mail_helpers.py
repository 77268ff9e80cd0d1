"""What the end-to-end tests share: an SMTP inbox, a free port, waiting on a worker."""

import email
import email.policy
import socket
import time


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


def wait_for(predicate, timeout: float = 20.0) -> bool:
    """Poll until ``predicate()`` holds (True) or the time is up (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
