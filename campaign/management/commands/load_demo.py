"""Load the demo: the 2014 DPRK campaign, an exercise, demo staff and contacts."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_OTP_KEY
from campaign.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        call_command("load_registry", stdout=self.stdout)
        report = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))
        self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {report.superuser:34} site administrator (Django admin)")
        for email, what in report.users:
            self.stdout.write(f"  {email:34} {what}")
        self.stdout.write(
            "Admins and signatories also need a one-time code: add the key "
            f"{DEMO_OTP_KEY} to an authenticator app, or run "
            "`python manage.py demo_otp_code`."
        )
