"""Attributes drawn at arrival (``attributes: {category: {network: 0.3, access: 0.7}}``) and tables
``{by: category, ...}``: exact traces, the offered load over the attribute mix, the results column and
the summary split by it, and bad input."""

from __future__ import annotations

import math

import pytest

import simvalue
from simvalue.errors import SimvalueError
from simvalue.scenario.capacity import offered_loads, stream_visits


def _desk(horizon: str = "200h", **demand) -> dict:
    incident = {"type": "incident", "stream": "s", "priority": {"P1": 0.5, "P2": 0.5},
                "attributes": {"category": {"network": 0.3, "access": 0.7}}, "arrivals": {"rate": "1/h"}, **demand}
    return {"name": "attributes", "horizon": horizon, "seed": 5, "replications": 1, "drain": "1w",
            "allow_overload": True, "teams": {"desk": {"capacity": 5}, "net": {"capacity": 5}},
            "demand": [incident],
            "streams": {"s": {"steps": [
                {"name": "triage", "activity": "engage", "team": "desk",
                 "effort": {"by": "category", "network": "2h", "other": "10min"},
                 "next": {"by": "category", "network": {"net_fix": 1.0}, "other": {"done": 1.0}}},
                {"name": "net_fix", "activity": "deliver_and_support", "team": "net", "effort": "1h"}]}}}


def test_each_category_takes_its_own_path_and_effort():
    # Nobody queues (5 people): network items triage 2 h then net_fix 1 h; access items 10 min, done.
    results = simvalue.simulate(simvalue.load_scenario(_desk()))
    by_category = results.items.groupby("category", observed=True)["time_to_value"]
    assert by_category.min().to_dict() == pytest.approx({"network": 3.0, "access": 1 / 6})
    assert by_category.max().to_dict() == pytest.approx({"network": 3.0, "access": 1 / 6})
    share = float((results.items["category"] == "network").mean())
    assert abs(share - 0.3) <= 4 * math.sqrt(0.3 * 0.7 / len(results.items))     # binomial, 4 sigma
    summary = results.summary(by="category")
    assert set(summary["category"].astype(str)) == {"network", "access"}


def test_offered_load_and_visits_follow_the_attribute_mix():
    scenario = simvalue.load_scenario(_desk())
    loads = {load.name: load.offered for load in offered_loads(scenario)}
    assert loads["desk"] == pytest.approx(1.0 * (0.3 * 2.0 + 0.7 / 6))
    assert loads["net"] == pytest.approx(1.0 * 0.3 * 1.0)
    assert stream_visits(scenario, "s").tolist() == pytest.approx([1.0, 0.3])


def test_attributes_leave_the_arrivals_and_priorities_unchanged():
    plain = _desk()
    plain["demand"][0].pop("attributes")
    plain["streams"]["s"]["steps"][0].update(effort="10min", next={"done": 1.0})
    a = simvalue.simulate(simvalue.load_scenario(plain)).items
    b = simvalue.simulate(simvalue.load_scenario(_desk())).items
    assert a["arrived"].tolist() == b["arrived"].tolist() and a["priority"].tolist() == b["priority"].tolist()


def test_gate_and_wait_tables_by_attribute():
    data = _desk()
    data["streams"]["s"]["steps"] = [
        {"name": "vendor", "activity": "obtain_build",
         "wait": {"delay": {"by": "category", "network": "5h", "other": "1h"}, "reason": "vendor"}},
        {"name": "check", "activity": "design_and_transition",
         "gate": {"kind": "auto", "delay": "0h", "approve": {"by": "category", "network": 0.0, "other": 1.0}}}]
    items = simvalue.simulate(simvalue.load_scenario(data)).items
    network, access = items[items["category"] == "network"], items[items["category"] == "access"]
    assert set(network["outcome"].astype(str)) == {"rejected"} and set(access["outcome"].astype(str)) == {"done"}
    assert access["time_to_value"].tolist() == pytest.approx([1.0] * len(access))


@pytest.mark.parametrize("edit, words", [
    (lambda d: d["streams"]["s"]["steps"][0]["next"].update(by="severity"), "unknown attribute"),
    (lambda d: d["streams"]["s"]["steps"][0]["next"].update(netwrk={"done": 1.0}), "unknown value of category"),
    (lambda d: d["streams"]["s"]["steps"][0]["next"].pop("other"), "no entry for access"),
    (lambda d: d["demand"][0].update(attributes={"type": {"a": 1.0}}), "cannot name an attribute"),
    (lambda d: d["demand"][0].update(attributes={"category": {"network": 0.5, "access": 0.6}}), "sum to 1"),
])
def test_bad_attributes_and_tables_name_the_field(edit, words):
    data = _desk()
    edit(data)
    with pytest.raises(SimvalueError) as caught:
        simvalue.load_scenario(data)
    assert words in str(caught.value), str(caught.value)


def test_same_seed_same_results():
    a, b = simvalue.simulate(simvalue.load_scenario(_desk())), simvalue.simulate(simvalue.load_scenario(_desk()))
    assert a.items.equals(b.items) and a.events.equals(b.events)


def test_items_open_at_the_start_draw_their_attributes_too():
    data = _desk(horizon="10h")
    data["initial"] = [{"type": "incident", "step": "triage", "count": 40, "age": "1d"}]
    items = simvalue.simulate(simvalue.load_scenario(data)).items
    backlog = items[items["initial"]]
    assert len(backlog) == 40 and backlog["category"].notna().all()
    assert set(backlog["category"].astype(str)) == {"network", "access"}   # 40 draws at 0.3 / 0.7
