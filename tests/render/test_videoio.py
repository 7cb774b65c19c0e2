"""H264Writer: H.264 yuv420p with faststart, every frame, the timestamps given, colours kept."""

import av
import numpy as np

from hingecheck.render.overlay import FAULT, OK, WARN
from hingecheck.render.videoio import H264Writer

COLOURS = [OK, WARN, FAULT, (255, 255, 255), (0, 0, 0), (0, 0, 255)]


def test_colours_timestamps_and_frames_round_trip(tmp_path):
    path = tmp_path / "v.mp4"
    times = [0.0, 0.04, 0.1, 0.13, 0.2, 0.5]  # variable frame rate
    with H264Writer(path, 30.0, (64, 48), crf=10) as w:
        for t, c in zip(times, COLOURS):
            frame = np.zeros((48, 64, 3), np.uint8)
            frame[:, :32] = c
            frame[:, 32:] = c[::-1]  # a channel swap (RGB read as BGR) would show here
            w.write(frame, t)
    assert not list(tmp_path.glob(".*.tmp"))
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and (s.width, s.height) == (64, 48)
        got = [(vf.time, vf.to_ndarray(format="rgb24")) for vf in c.decode(video=0)]
    assert len(got) == len(times)
    np.testing.assert_allclose([t for t, _ in got], times, atol=1e-3)
    for (_, rgb), col in zip(got, COLOURS):
        assert np.abs(rgb[24, 8].astype(int) - col).max() <= 6
        assert np.abs(rgb[24, 56].astype(int) - col[::-1]).max() <= 6
    data = path.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")
