"""hingecheck: rep-by-rep feedback on the hip hinge from a webcam or a clip."""

__version__ = "0.1.0"
