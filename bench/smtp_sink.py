"""An SMTP server for drills: logs each accepted Message-ID and its recipients."""

import argparse
import asyncio
import random
import re
import signal
import threading

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class Sink:
    def __init__(self, log_path: str | None, refuse: float, seed: int):
        self.log = open(log_path, "ab", buffering=0) if log_path else None  # noqa: SIM115
        # Refusals are split between RCPT and DATA so that about `refuse` of
        # all attempts end in a 451.
        self.p = 1 - (1 - refuse) ** 0.5 if refuse else 0.0
        self.random = random.Random(seed)

    def _refuse(self) -> bool:
        return self.p > 0 and self.random.random() < self.p

    def _write(self, line: bytes) -> None:
        if self.log:
            self.log.write(line + b"\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._refuse():
            self._write(b"R rcpt")
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self._refuse():
            self._write(b"R data")
            return "451 4.3.0 Try again later"
        head = envelope.content[:4096]
        found = MESSAGE_ID.search(head)
        # Written before the 250: a message counts as accepted once it is here.
        # "A <message-id> <recipient>,<recipient>"
        message_id = found.group(1) if found else b"<none>"
        self._write(b"A " + message_id + b" " + ",".join(envelope.rcpt_tos).encode())
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log")
    parser.add_argument("--refuse", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=69188)
    args = parser.parse_args()
    controller = Controller(
        Sink(args.log, args.refuse, args.seed), hostname="127.0.0.1", port=args.port
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    asyncio.set_event_loop(asyncio.new_event_loop())
    main()
