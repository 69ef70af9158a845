"""``regdesk serve`` over real HTTP on loopback: the page, the origin check, the session limit.

No browser needed: aiohttp's client speaks HTTP and websockets as a browser would, with the
``Origin`` a page would send. The desks are real desk processes started by the server.
"""

from __future__ import annotations

import re

import aiohttp
import pytest
from serve_support import MAX_SESSIONS, Served, command_line, settle_until

from regdesk.i18n import t


def _origin(served: Served) -> str:
    return served.url.rstrip("/")


async def test_the_page_loads_nothing_from_outside_the_server(served: Served) -> None:
    async with aiohttp.ClientSession() as http, http.get(served.url) as page:
        assert page.status == 200
        html = await page.text()
        policy = page.headers["Content-Security-Policy"]
    # Every script, style sheet and font is the server's own (textual-serve's template loads a
    # web font from the internet).
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links and all(link.startswith("/") or link == "./" for link in links), links
    assert "googleapis" not in html
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    # The page's websocket is on the address the page came from.
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in html
    # The server's own words, in the clinic's language first.
    assert t("serve.loading", "en") in html and t("serve.loading", "kk") in html


async def test_a_websocket_from_another_origin_is_refused(served: Served) -> None:
    before = served.desks()
    ws_url = served.url + "ws"
    async with aiohttp.ClientSession() as http:
        for headers in ({"Origin": "http://evil.example"}, {}):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url, headers=headers)
            assert refused.value.status == 403
        # A page from another name that resolves here (DNS rebinding) is not answered either.
        async with http.get(served.url, headers={"Host": "evil.example"}) as page:
            assert page.status == 421
    assert served.desks() == before  # no desk was started for them


async def test_the_session_limit_holds_and_each_desk_is_one_process(served: Served) -> None:
    ws_url = served.url + "ws"
    origin = {"Origin": _origin(served)}
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(ws_url, headers=origin) for _ in range(MAX_SESSIONS)]
        await settle_until(lambda: len(served.desks()) == MAX_SESSIONS, "the desk processes")
        desks = served.desks()
        for pid in desks:
            # Started with exec: the desk itself is the server's child, no shell between.
            args = command_line(pid)
            assert args[1:4] == ["-m", "regdesk", "--config"], args

        with pytest.raises(aiohttp.WSServerHandshakeError) as full:
            await http.ws_connect(ws_url, headers=origin)
        assert full.value.status == 503
        async with http.get(served.url) as page:
            assert page.status == 503
            busy = await page.text()
        for lang in ("kk", "ru", "en"):
            assert t("serve.busy_title", lang) in busy
            assert t("serve.busy_text", lang).format(max=MAX_SESSIONS) in busy

        # A desk closed frees its place (and its process).
        await sockets.pop().close()
        await settle_until(lambda: len(served.desks()) == MAX_SESSIONS - 1, "one desk gone")
        async with http.get(served.url) as page:
            assert page.status == 200
        for ws in sockets:
            await ws.close()
    await settle_until(lambda: served.desks() == [], "every desk process gone")
