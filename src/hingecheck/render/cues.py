"""Words for the lifter: one short cue per fault, and the one-line summary of a set.

Cues are what a coach says in the moment ("Push your hips back"), short enough to read at a
glance or hear while looking at the floor. The summary names the most common fault of a set and
its cue ("3 of 5 reps rounded at the bottom — brace before you hinge").
"""

from __future__ import annotations

from collections import Counter

from hingecheck.core.faults import REGISTRY
from hingecheck.core.results import FAULTS, NEUTRAL, NOT_JUDGED, Rep

#: One cue per fault (imperative, under ~30 characters), how it reads in a sentence ("3 of 5
#: reps <phrase>") and the longer advice of a set's summary: from the fault registry.
CUES: dict[str, str] = {f.name: f.cue for f in REGISTRY}
PHRASES: dict[str, str] = {f.name: f.phrase for f in REGISTRY}
ADVICE: dict[str, str] = {f.name: f.advice for f in REGISTRY}
#: The fault's cue said another way, for the same fault again on the next rep ("Again — hips back").
AGAIN: dict[str, str] = {f.name: f.again for f in REGISTRY if f.again}
#: A cue stays on screen (and unspoken cues wait) at least this long, seconds, so it can be read
#: and never flickers; a finished rep's cue may replace it at once.
CUE_HOLD_S = 2.5

#: What a set-up problem asks of the lifter before grading starts.
SETUP_CUES = {
    "no_person": "Step into view",
    "front": "Turn side-on to the camera",
    "oblique": "Turn a little more side-on",
    "feet": "Step back — I can't see your feet",
    "dark": "More light, please",
}


#: Said after a rep whose spine could not be judged (lifter too small, back hidden, front view).
NOT_JUDGED_CUE = "Back not seen — film closer, from the side"


def cue_for(fault: str | None) -> str | None:
    return CUES.get(fault) if fault else None


def rep_cue(rep: Rep) -> str:
    """What to say when a rep ends: its main fault's cue, the not-judged cue, or "Good rep"."""
    if rep.faults:
        return cue_for(rep.faults[0]) or rep.faults[0].replace("_", " ")
    return NOT_JUDGED_CUE if rep.verdict == NOT_JUDGED else "Good rep"


class RepCues:
    """What to say as each rep of a set ends: :func:`rep_cue`, varied when the same fault ends
    reps in a row. A coach does not repeat the same words after every rep of a faulty set (they
    stop being heard); its cue and its registry's ``again`` phrasing take turns ("Brace — flat
    back", "Again — flat back", "Brace — flat back", ...). Still one short cue a rep, and every
    rep's verdict is in its tone and banner. A new set (:meth:`reset`) starts over."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self._fault: str | None = None
        self._streak = 0

    def next(self, rep: Rep) -> str:
        fault = rep.faults[0] if rep.faults else None
        self._streak = self._streak + 1 if fault is not None and fault == self._fault else 1
        self._fault = fault
        if fault is not None and self._streak % 2 == 0 and fault in AGAIN:
            return AGAIN[fault]
        return rep_cue(rep)


def main_fault(reps: list[Rep] | tuple[Rep, ...]) -> tuple[str | None, int]:
    """The most common fault over the reps (ties go to the more important) and its count."""
    counts = Counter(f for r in reps for f in r.faults)
    if not counts:
        return None, 0
    best = max(counts.values())
    fault = min((f for f, n in counts.items() if n == best), key=FAULTS.index)
    return fault, best


def set_sentence(reps, verdict: str | None, view: str | None = None) -> str:
    """One sentence for the lifter about the whole set. An ``oblique`` clip with no fault is not
    praised for a neutral spine: from about 45 deg off the side the back's curve is not reliable (a
    rounded back can read neutral), which the clip's warning says under the sentence."""
    if verdict == "unusable_view":
        return "The camera sees you from the front — film from the side so the back can be judged."
    if verdict == "no_reps" or not reps:
        return "No reps found — film the whole body from the side and hinge past about 40 degrees."
    fault, n = main_fault(reps)
    unjudged = [r for r in reps if r.verdict == NOT_JUDGED]
    one = len(reps) == 1  # "the rep", not "1 of 1 reps" / "All 1 reps"
    if fault is None and unjudged:
        why = next(iter(unjudged[0].not_judged.values()), "the back could not be seen")
        on = "the rep" if one else f"{len(unjudged)} of {len(reps)} reps"
        return f"The spine could not be judged on {on} ({why}) — film the whole body from the side, closer."
    if fault is None and view == "oblique":
        return (
            "No fault seen on the rep" if one else f"No fault seen on {len(reps)} reps"
        ) + ", but the spine cannot be vouched for from this angle — film side-on to judge the back."
    if fault is None:
        return ("The rep" if one else f"All {len(reps)} reps") + " hinged with a neutral spine — keep it up."
    said = ("The rep" if one else f"{n} of {len(reps)} reps") + f" {PHRASES[fault]} — {ADVICE[fault]}."
    # A fault a coach corrects first (the registry's order: the spine before the pattern) that is
    # not the most common is still said, or the set's headline hides a rounded back behind a neck.
    first = min((f for r in reps for f in r.faults), key=FAULTS.index)
    if first != fault:
        ix = [str(r.index) for r in reps if first in r.faults]
        said += f" {'Reps' if len(ix) > 1 else 'Rep'} {', '.join(ix)} also {PHRASES[first]} — {ADVICE[first]}."
    return said


def is_good(verdict: str | None) -> bool:
    return verdict == NEUTRAL


class CueBoard:
    """One cue at a time, held at least :data:`CUE_HOLD_S` seconds (a minimum hold, so no flicker).

    ``offer(text, now)`` each frame: a different cue replaces the shown one only after the hold
    (``urgent=True``, for a finished rep, replaces it at once and restarts the hold); ``None``
    clears it after the hold. ``now`` is any monotonic clock in seconds.
    """

    def __init__(self):
        self.text: str | None = None
        self._since = -1e9

    def offer(self, text: str | None, now: float, urgent: bool = False) -> None:
        if text == self.text:
            self._since = now if urgent else self._since
            return
        if text is None:
            if now - self._since >= CUE_HOLD_S:
                self.text = None
            return
        if urgent or self.text is None or now - self._since >= CUE_HOLD_S:
            self.text, self._since = text, now
