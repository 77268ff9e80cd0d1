"""Print the current one-time code of the demo admins' and signatories' devices."""

import time

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_OTP_KEY, demo_otp_code


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{demo_otp_code()}  (valid for {left} more seconds)")
        self.stdout.write(f"Demo authenticator key: {DEMO_OTP_KEY}")
