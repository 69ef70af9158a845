"""A ticked document shows a mark, not only a colour (issue 11, item 12)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from regdesk.tui.widgets import CHECKED, CheckList


class _Checks(App[None]):
    def compose(self) -> ComposeResult:
        yield CheckList(("Identity document", "identity", True), ("Pension certificate", "pension"))


def _lines(app: App[None]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_the_ticked_row_has_a_mark_and_the_unticked_one_none() -> None:
    app = _Checks()
    async with app.run_test(size=(60, 6)) as pilot:
        checks = app.query_one(CheckList)
        checks.focus()
        await pilot.pause()
        lines = _lines(app)
        identity = next(x for x in lines if "Identity document" in x)
        pension = next(x for x in lines if "Pension certificate" in x)
        assert CHECKED in identity and CHECKED not in pension
        assert "X" not in identity + pension  # Textual's own box, the same for both states
        # Space on the highlighted (first) row unticks it: the mark goes with it.
        checks.highlighted = 0
        await pilot.press("space")
        await pilot.pause()
        assert checks.selected == []
        assert all(CHECKED not in x for x in _lines(app))
        await pilot.press("down", "space")
        await pilot.pause()
        assert checks.selected == ["pension"]
        assert CHECKED in next(x for x in _lines(app) if "Pension certificate" in x)
