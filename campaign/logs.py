"""JSON log lines (python-json-logger) for the site, the workers and gunicorn."""

from __future__ import annotations

from gunicorn.glogging import Logger as _GunicornLogger
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, and any extras."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", RENAMED)
        super().__init__(*args or (FIELDS,), **kwargs)


# Gunicorn's access atoms worth a field of their own.
ACCESS_ATOMS = {
    "h": "remote",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "f": "referer",
    "a": "user_agent",
}


class AccessJsonFormatter(JsonFormatter):
    """Gunicorn's access line as JSON, its atoms as fields rather than text."""

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        atoms = record.args
        if hasattr(atoms, "get"):
            for atom, field in ACCESS_ATOMS.items():
                value = atoms.get(atom)
                if field in ("status", "bytes", "duration_ms"):
                    value = int(value) if str(value).isdigit() else None
                log_data[field] = value
            log_data["message"] = f"{log_data['method']} {log_data['path']}"


class GunicornLogger(_GunicornLogger):
    """Gunicorn's logger, idle on access when there is no access log.

    Given a logging dict, gunicorn builds every request's access line (its
    atoms: headers, times, sizes) even when the access logger then drops it.
    With ``accesslog`` unset (deploy/gunicorn.conf.py: GUNICORN_ACCESS_LOG
    empty) nothing is built.
    """

    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)
