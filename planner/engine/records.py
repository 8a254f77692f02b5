"""The kernel's two records: ``Inst``, a problem's read-only arrays, and ``State``, one solution's
mutable arrays; named tuples for Python, StructRefs inside compiled code.

Why two forms: numba passes a named tuple to a compiled function field by field and counts a
reference to each of its arrays on every call, about 120 atomic operations for ``Inst`` and
``State`` together. The search calls helpers taking them about 220 times per ruin-and-recreate
iteration, and those counts took about 40 % of its time (``perf`` on Solomon R104). A StructRef
is one pointer with one count. Python keeps the named tuples (readable, cheap to build); the
kernel's entry points wrap them with :func:`inst_ref` and :func:`state_ref`, which share the
same arrays (nothing is copied, writes are seen from Python).
"""

from __future__ import annotations

from collections import namedtuple

from numba import types
from numba.experimental import structref
from numba.extending import overload

Inst = namedtuple(
    "Inst",
    [
        "T",  # travel minutes; None when they are derived from D (see kernel.tt)
        "C",
        "loc",
        "svc",
        "dem",
        "tw",
        "twn",
        "pen",
        "mandatory",
        "ch_ptr",
        "ch_days",
        "ch_veh",
        "ch_k",
        "ch_extra",
        "r_veh",
        "r_day",
        "r_start",
        "r_end",
        "r_shift",
        "r_cap",
        "r_maxwork",
        "r_maxdrive",
        "r_maxstops",
        "r_lunch",
        "r_frozen",
        "r_class",
        "r_simple",
        "r_notw",
        "slot_of",
        "compat",
        "ds_ptr",
        "ds_list",
        "neigh",
        "stop_frozen",
        "kmax_s",
        "depot_dist",
        "n_slots",
        "n_stops",
        "kmax",
        "tol",
        "regular",
        "big",
        "sr_ptr",
        "sr_com",
        "sr_lvl",
        "rc_ptr",
        "rc_stop",
        "rc_lvl",
        "c_need",
        "c_base",
        "c_top",
        "ch_lo",
        "ch_hi",
        # The yearly budget (Problem.budget; kernel.py, "the yearly budget"):
        "D",  # km matrix (a 1 x 1 dummy without a budget)
        "r_eur_km",  # per slot: yearly euros per km of the route
        "r_eur_min",  # per slot: yearly euros per minute of working time
        "bud_var",  # the cap minus the fixed yearly costs (INF without a budget)
        "bud_pen",  # objective penalty of a state above the budget (up to twice, see objective)
        "has_budget",
        # Durations derived from the distances (planner.tours.travel; kernel.py, band_minutes):
        "tb_km",  # band knots: road km, cumulative minutes, minutes per km; access minutes
        "tb_min",
        "tb_pace",
        "tb_access",
    ],
)

State = namedtuple(
    "State",
    [
        "route",
        "rlen",
        "es",
        "ls",
        "rload",
        "rsvc",
        "rdrive",
        "rcost",
        "rok",
        "assign",
        "vslot",
        "band_lo",
        "band_hi",
        "buf1",
        "buf2",
        "seqbuf",
        "cand_cost",
        "cand_pos",
        "cand_e",
        "cand_l",
        "try_slot",
        "try_pos",
        "ins_slot",
        "ins_pos",
        "class_stamp",
        "ruined",
        "strbuf",
        "removed",
        "lvl",
        "ryear",  # per slot: the route's yearly euros (with a budget)
        "changed",  # per slot: rewritten since the search last synced states (kernel._search)
    ],
)


class _RecordRefType(types.StructRef):
    """A record's fields as a StructRef's, literal types widened (a field's value is data)."""

    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(t)) for name, t in fields)


@structref.register
class InstRefType(_RecordRefType):
    """numba type of an :data:`Inst` as a StructRef (one per set of field types)."""


@structref.register
class StateRefType(_RecordRefType):
    """numba type of a :data:`State` as a StructRef."""


class InstRef(structref.StructRefProxy):
    """An :data:`Inst` inside compiled code (built there by :func:`inst_ref`)."""


class StateRef(structref.StructRefProxy):
    """A :data:`State` inside compiled code (built there by :func:`state_ref`)."""


structref.define_proxy(InstRef, InstRefType, list(Inst._fields))
structref.define_proxy(StateRef, StateRefType, list(State._fields))


def inst_ref(I):
    """The instance as compiled helpers take it: a StructRef over the same arrays.

    Uncompiled (``NUMBA_DISABLE_JIT``) the named tuple itself serves."""
    return I


def state_ref(S):
    """The state as compiled helpers take it: a StructRef over the same arrays."""
    return S


# Not inline="always": numba 0.68 then loses the writes made through the StructRef's arrays.
@overload(inst_ref)
def _inst_ref_typed(I):
    if isinstance(I, types.StructRef):
        return lambda I: I
    return lambda I: InstRef(*I)


@overload(state_ref)
def _state_ref_typed(S):
    if isinstance(S, types.StructRef):
        return lambda S: S
    return lambda S: StateRef(*S)


def field_type(record, name):
    """numba type of field ``name`` of a record's type, named tuple or StructRef."""
    if isinstance(record, types.StructRef):
        return record.field_dict[name]
    return record.types[record.fields.index(name)]
