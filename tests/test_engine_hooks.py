"""Hooks on a running model can be cancelled (issue 20, item 3): registering a day hook, a
listener or an action at a day returns a handle, and a cancelled hook is not called again."""

from __future__ import annotations

from resim.sim.engine import Model
from resim.sim.hooks import Hooks
from resim.sim.ledger import Event
from resim.sim.status import EventKind
from tests.chains import hand_chain


def test_a_day_hook_cancelled_while_running_no_longer_runs():
    model = Model(hand_chain(horizon=20))
    ends, starts = [], []
    end = model.on_day_end(lambda m, day: ends.append(day))
    start = model.on_day_start(lambda m, day: starts.append(day))
    model.at(5, lambda m: end.cancel())
    model.at(8, lambda m: start.cancel())
    model.run()
    assert ends == [0, 1, 2, 3, 4]
    assert starts == list(range(8))


def test_a_hook_can_cancel_itself_and_the_others_run_on():
    model = Model(hand_chain(horizon=10))
    calls = []

    def once(m: Model, day: int) -> None:
        calls.append(("once", day))
        hook.cancel()

    hook = model.on_day_end(once)
    model.on_day_end(lambda m, day: calls.append(("every", day)))
    model.run()
    assert calls[:3] == [("once", 0), ("every", 0), ("every", 1)]
    assert [day for name, day in calls if name == "every"] == list(range(10))


def test_a_hook_cancelled_earlier_in_the_same_pass_is_not_called():
    hooks, calls = Hooks(), []
    hooks.add(lambda: later.cancel())
    later = hooks.add(lambda: calls.append("later"))
    hooks()
    hooks()
    assert calls == [] and len(hooks) == 1


def test_a_hook_added_during_a_pass_runs_in_that_pass():
    hooks, calls = Hooks(), []
    hooks.add(lambda: hooks.add(lambda: calls.append("added")) if not calls else None)
    hooks()
    assert calls == ["added"]


def test_a_cancelled_action_at_a_day_and_a_cancelled_listener_do_not_run():
    model = Model(hand_chain(horizon=10), disruptions=False)
    done, heard = [], []
    model.at(3, lambda m: done.append("kept"))
    model.at(4, lambda m: done.append("cancelled")).cancel()
    listener = model.listen(lambda m, event: heard.append(event.id))
    model.at(2, lambda m: m.notify(Event(EventKind.START, 2, "first", "capacity_loss")))
    model.at(6, lambda m: listener.cancel())
    model.at(7, lambda m: m.notify(Event(EventKind.END, 7, "second", "capacity_loss")))
    model.run()
    assert done == ["kept"]
    assert heard == ["first"]
    assert [event.id for event in model.ledger.events] == ["first", "second"]  # recorded all the same
