"""regdesk: the front-desk workstation of a Kazakh primary-care clinic."""

__version__ = "0.1.0"
