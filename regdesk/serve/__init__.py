"""``regdesk serve``: the desk in a browser, one desk process per browser tab.

Built on Textualize's textual-serve (aiohttp and xterm.js): ``server.DeskServer`` subclasses its
server to add what a clinic needs and it does not do (the origin check, the session limit, TLS,
a page with nothing from outside the server, the desk started with ``exec``).
"""
