"""A minor's representative at the desk, keyboard only (issue 11, item 2)."""

from __future__ import annotations

from textual.widgets import Input, Select, SelectionList
from tui_support import (
    choose_district,
    finish,
    look_up,
    make_app,
    open_form,
    receptionist,
    screen_text,
    sign_in,
    wait_for_screen,
    wait_for_text,
    wait_until,
)

from regdesk import demo
from regdesk.i18n import t

SIZE = (120, 40)


async def test_a_newborn_goes_to_signing_only_with_the_registrys_parent(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        await pilot.press("1")
        applicant = await look_up(pilot, ws.samples["newborn"][0])
        mother = applicant.lookup.person.representatives[0]
        # The card shows the parent the registry names.
        assert f"Representatives: mother {mother.iin}" in screen_text(app)
        await pilot.press("f10")
        form = await wait_for_screen(pilot, "FormScreen")
        await wait_for_text(pilot, "not chosen")
        app_id = form.app_id  # type: ignore[attr-defined]
        await choose_district(pilot)
        await pilot.press("f3", "f10")  # every original seen, then to signing: refused
        await wait_for_text(pilot, t("representative.missing", "en")[:40])
        assert app.screen is form
        await pilot.press("f6")  # the registry's mother, in one key
        await wait_until(
            pilot,
            lambda: app.desk.form.get(app_id).representative_iin == mother.iin,
            "the mother recorded",
        )
        await wait_for_text(pilot, "mother: ")
        await pilot.press("f10")
        await wait_for_screen(pilot, "SignScreen")
    await finish(app)


async def test_another_adult_is_a_guardian_with_the_decision_not_a_parent(
    workspace: demo.DemoWorkspace,
) -> None:
    ws = workspace
    stranger = ws.samples["adult"][0]
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, *receptionist(ws))
        _, form = await open_form(pilot, ws.samples["child"][0])
        app_id = form.app_id  # type: ignore[attr-defined]
        field = form.query_one("#rep_iin", Input)
        await wait_until(pilot, lambda: form.query_one("#rep-box").display, "the representative")
        while app.focused is not field:
            await pilot.press("tab")
        # Typed without a relation: a person the registry does not name as a parent is refused.
        await pilot.press(*stranger, "enter")
        await wait_for_text(pilot, t("representative.relation_missing", "en")[:40])
        assert app.desk.form.get(app_id).representative_iin is None
        # The relation from the list: guardian (by a decision).
        relation = form.query_one("#rep_relation", Select)
        await pilot.press("tab")
        assert app.focused is relation
        for _ in range(len(form.view.representation.relations) + 1):  # type: ignore[attr-defined]
            if relation.value == "guardian":
                break
            await pilot.press("enter", "down", "enter")  # open the list, the next one, take it
        assert relation.value == "guardian"
        await pilot.press("shift+tab", "enter")
        await wait_until(
            pilot,
            lambda: app.desk.form.get(app_id).representative_iin == stranger,
            "the guardian recorded",
        )
        # The decision appointing the guardian is now a document to show.
        documents = form.query_one("#documents", SelectionList)

        def asked() -> set[str]:
            return {
                str(documents.get_option_at_index(i).value) for i in range(documents.option_count)
            }

        await wait_until(pilot, lambda: "guardianship_decision" in asked(), "the decision asked")
        assert "representative_identity" in asked()
        assert "guardianship_decision" in app.desk.form.missing_documents(app_id)
    await finish(app)
