"""System checks: the broker, the lease and the task limit must fit together."""

from django.conf import settings
from django.core.checks import Warning, register

# A crashed send is handed on by the ledger's lease long before the broker
# would redeliver its task; a worker holding a countdown never outlives it.
LEASES_PER_VISIBILITY = 10


@register(deploy=True)
def check_mail_timings(app_configs=None, **kwargs):
    lease = settings.EMAIL_LEASE_SECONDS
    limit = settings.EMAIL_TASK_TIME_LIMIT
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    visibility = options.get("visibility_timeout")
    problems = []
    if limit >= lease:
        problems.append(
            Warning(
                f"EMAIL_TASK_TIME_LIMIT ({limit} s) must be shorter than "
                f"EMAIL_LEASE_SECONDS ({lease} s): a send still running when its "
                "lease ends may be sent twice.",
                id="letters.W001",
            )
        )
    if visibility is not None and visibility < LEASES_PER_VISIBILITY * max(
        lease, settings.EMAIL_COUNTDOWN_MAX_SECONDS
    ):
        problems.append(
            Warning(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) should be at least "
                f"{LEASES_PER_VISIBILITY} times EMAIL_LEASE_SECONDS ({lease} s) and "
                f"EMAIL_COUNTDOWN_MAX_SECONDS ({settings.EMAIL_COUNTDOWN_MAX_SECONDS}"
                " s): Redis would hand tasks still waiting or running to a second "
                "worker.",
                id="letters.W002",
            )
        )
    return problems
