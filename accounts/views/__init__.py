"""Account and organisation screens, one module per screen."""
