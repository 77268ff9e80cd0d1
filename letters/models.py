from .reminders import *  # noqa: F401, F403
