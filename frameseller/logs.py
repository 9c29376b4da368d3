"""Logging filters: a log line never grows with what a client sent."""

import logging

MESSAGE_MAX_CHARS = 4000
TRACEBACK_LINE_MAX_CHARS = 1000


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters cut]"


class CapLength(logging.Filter):
    """Cut a record's message, and each line of its traceback, to a readable length."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > MESSAGE_MAX_CHARS:
            record.msg, record.args = _cut(message, MESSAGE_MAX_CHARS), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            lines = record.exc_text.splitlines()
            record.exc_text = "\n".join(_cut(line, TRACEBACK_LINE_MAX_CHARS) for line in lines)
        return True
