"""Angle-versus-time plots (matplotlib, Agg) with rep boundaries and threshold bands, as PNG bytes."""

from __future__ import annotations

import io

from hingecheck.core.config import Thresholds
from hingecheck.core.faults import lumbar_limit
from hingecheck.core.results import ClipResult

#: (Kinematics field, label, threshold field or None) per panel; fault band above the threshold.
PANELS = (
    ("hip_flexion", "hip flexion (deg)", None),
    ("knee_flexion", "knee flexion (deg)", "knee_max_deg"),
    ("trunk_incline", "trunk incline (deg)", None),
    ("spine_flexion", "spine flexion, virtual dowel (deg)", "lumbar_flexion_max_deg"),
)
#: A panel's limit is drawn only when the profile judges by it: the deadlift's squat check does
#: not read the knee angle (a correct pull bends the knees 66-128 deg), so a band there painted
#: every correct pull red.
USED_WHEN = {"knee_max_deg": "use_knee_angle_for_squat"}


def panel_limit(limit: str | None, th: Thresholds, spine_from_landmarks: bool = False) -> float | None:
    """The value of a panel's limit under ``th``, or None when that profile does not judge by it.
    A spine curve read from the landmarks alone (no back outline: ``Kinematics.spine_source``) is
    judged against the landmark fallback's own limit, so that is the line drawn."""
    if limit is None or not getattr(th, USED_WHEN.get(limit, ""), True):
        return None
    if limit == "lumbar_flexion_max_deg":
        return lumbar_limit(th, spine_from_landmarks)
    return getattr(th, limit)


def angle_plot(results: list[tuple[str, ClipResult]], th: Thresholds, width_in: float = 9.0) -> bytes:
    """PNG of the angle curves of one or more clips (``(label, result)``), rep spans shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(PANELS), 1, figsize=(width_in, 2.0 * len(PANELS)), sharex=True)
    first = next((r.kinematics for _, r in results if r.kinematics is not None), None)
    from_landmarks = first is not None and first.spine_source == "landmarks"  # the first clip's, as its rep spans
    for ax, (name, label, limit) in zip(axes, PANELS):
        for j, (clip_label, r) in enumerate(results):
            k = r.kinematics
            if k is None:
                continue
            ax.plot(k.t, getattr(k, name), lw=1.6, label=clip_label, color=("#1f6fb4", "#d9631e")[j % 2])
            if j == 0:
                for rep in r.reps:
                    ax.axvspan(
                        rep.start_s,
                        rep.end_s,
                        color="#8ab6e0" if rep.verdict == "neutral" else "#f2a0a0",
                        alpha=0.25,
                        lw=0,
                    )
        v = panel_limit(limit, th, from_landmarks)
        if v is not None:
            ax.axhline(v, color="#c0392b", lw=1, ls="--")
            top = max(ax.get_ylim()[1], v + 5)
            ax.axhspan(v, top, color="#c0392b", alpha=0.08, lw=0)
            ax.set_ylim(top=top)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    if len(results) > 1:
        axes[0].legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()
