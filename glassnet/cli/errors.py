"""The one exception the command line turns into a one-line message instead of a traceback."""


class CLIError(Exception):
    """A problem the user can fix (a missing file, a wrong name); ``code`` is the exit status."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code
