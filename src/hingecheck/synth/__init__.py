"""Synthetic lifter: rendered clips with known joint angles, for tests, demos and accuracy checks.

A kinematic body with human proportions (:mod:`.body`), a numpy renderer of shaded 3D
primitives (:mod:`.render`) and labelled scenarios with per-frame ground truth
(:mod:`.scenarios`). ``make_samples(out_dir)`` regenerates ``sample_videos/``.
"""

from hingecheck.synth.scenarios import SAMPLES, Scenario, Timing, make_samples, render_scenario, trajectory

__all__ = ["SAMPLES", "Scenario", "Timing", "make_samples", "render_scenario", "trajectory"]
