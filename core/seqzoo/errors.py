"""Errors that the CLI turns into one line on stderr and exit status 2."""


class SeqzooError(Exception):
    """Bad input from a user or a plugin: reported without a traceback."""


class SpecError(SeqzooError):
    """An unknown plugin name, an unknown option or a bad option value."""


class ProposerError(SeqzooError):
    """A proposer returned something the engine cannot evaluate."""


class OracleError(SeqzooError):
    """An oracle returned values the engine cannot log (wrong shape, NaN)."""


class PluginError(SeqzooError):
    """A plugin's factory cannot be imported: the message names the plugin and the path."""
