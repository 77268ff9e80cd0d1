"""Signals the record sends when it changes, for other apps (alerts, mail) to act on.

Each is sent inside the writing service's transaction, so whatever a receiver
writes commits with the change or rolls back with it. The UN record knows
nothing of who listens; receivers call one service of their own app.
"""

from django.dispatch import Signal

# ballots: the ballots whose recorded positions changed
votes_recorded = Signal()
# ballots: the ballots whose outcome has just been decided (or decided anew)
outcome_decided = Signal()
# document, states: the States that have just joined the document's cosponsors
cosponsors_added = Signal()
# cosponsorship: the cosponsorship just withdrawn
cosponsor_withdrawn = Signal()
# stance: the stance whose position is new or has changed
stance_changed = Signal()
