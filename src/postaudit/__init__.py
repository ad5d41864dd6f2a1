"""postaudit: test claims about an executive's social-media habits against their observable activity."""

__version__ = "0.1.0"
