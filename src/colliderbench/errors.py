"""The one exception type for mistakes a user can make (bad task id, malformed file, missing tool).

The CLI turns a ``UserError`` into one line on stderr and exit status 2; anything else is a bug.
"""


class UserError(Exception):
    """A problem the user can fix; its message is shown as is, without a traceback."""
