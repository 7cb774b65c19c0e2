"""Frame sources on real files: rotation metadata, VFR timestamps, image globs, bad input."""

import time

import cv2
import numpy as np
import pytest

from hingecheck.pose.sources import Images, SourceError, VideoFile, open_source, prefetch

from conftest import write_clip


def _marked_frames(n=6, w=64, h=48):
    """Frames with a bright square in the top-left corner, so orientation is visible."""
    frames = []
    for _ in range(n):
        f = np.full((h, w, 3), 40, np.uint8)
        f[2:16, 2:16] = 250
        frames.append(f)
    return frames


def test_video_frames_size_and_times(tmp_path):
    clip = write_clip(tmp_path / "c.mp4", _marked_frames(10), fps=25)
    src = VideoFile(clip)
    assert (src.info.width, src.info.height) == (64, 48)
    assert src.info.fps == pytest.approx(25)
    frames = list(src.frames())
    assert len(frames) == 10
    assert [f.index for f in frames] == list(range(10))
    assert np.allclose([f.t for f in frames], np.arange(10) / 25, atol=1e-3)
    assert frames[0].rgb.shape == (48, 64, 3) and frames[0].rgb.dtype == np.uint8


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata_is_applied(tmp_path, rotation):
    raw = _marked_frames(3)
    clip = write_clip(tmp_path / f"r{rotation}.mp4", raw, rotation=rotation)
    src = VideoFile(clip)
    assert src.info.rotation == rotation
    frame = next(iter(src.frames())).rgb
    expected = np.rot90(raw[0], k=rotation // 90)  # counter-clockwise, as ffmpeg displays it
    assert frame.shape == expected.shape
    assert (src.info.width, src.info.height) == (expected.shape[1], expected.shape[0])
    # The bright corner moved where the rotation puts it (compare on a coarse grid: lossy codec).
    assert np.abs(frame.astype(int) - expected.astype(int)).mean() < 12


def test_variable_frame_rate_timestamps(tmp_path):
    pts = [0.0, 0.033, 0.066, 0.2, 0.21, 0.5, 0.533, 1.0]
    clip = write_clip(tmp_path / "vfr.mp4", _marked_frames(len(pts)), fps=30, pts=pts)
    ts = [f.t for f in VideoFile(clip).frames()]
    assert np.allclose(ts, pts, atol=2e-3)


def test_downscale_in_decoder(tmp_path):
    clip = write_clip(tmp_path / "big.mp4", _marked_frames(2, w=320, h=240))
    frame = next(iter(VideoFile(clip, max_width=160).frames())).rgb
    assert frame.shape == (120, 160, 3)


def test_image_glob(tmp_path):
    for i, f in enumerate(_marked_frames(3)):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), f)
    (tmp_path / "notes.txt").write_text("not an image")
    src = open_source(str(tmp_path / "img*.png"))
    assert isinstance(src, Images) and src.info.still
    frames = list(src.frames())
    assert len(frames) == 3 and frames[0].rgb.shape == (48, 64, 3)
    single = open_source(str(tmp_path / "img1.png"))
    assert len(list(single.frames())) == 1
    (tmp_path / "sub").mkdir()
    cv2.imwrite(str(tmp_path / "sub" / "img9.png"), _marked_frames(1)[0])
    deep = open_source(str(tmp_path / "**" / "img*.png"))  # ** is any depth, as score expands it
    assert [p.name for p in deep.paths] == ["img0.png", "img1.png", "img2.png", "img9.png"]


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("hello, I am a text file\n" * 50), "not a readable video"),
        (lambda p: p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40), "video"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, make, problem):
    p = tmp_path / "bad.mp4"
    make(p)
    with pytest.raises(SourceError) as err:
        list(VideoFile(p).frames())
    msg = str(err.value)
    assert str(p) in msg and problem in msg and "\n" not in msg


def test_no_images_match(tmp_path):
    with pytest.raises(SourceError, match="no image files match"):
        open_source(str(tmp_path / "*.png"))


def test_prefetch_overlaps_and_propagates():
    produced = []

    def gen():
        for i in range(5):
            produced.append(i)
            yield i
        raise ValueError("decoder broke")

    it = prefetch(gen(), maxsize=2)
    assert next(it) == 0
    time.sleep(0.2)
    # The producer ran ahead of the consumer, but no further than the bounded queue allows.
    assert 2 <= len(produced) <= 4
    with pytest.raises(ValueError, match="decoder broke"):
        list(it)


def test_prefetch_stops_producer_when_consumer_leaves():
    produced = []

    def gen():
        for i in range(10_000):
            produced.append(i)
            yield i

    it = prefetch(gen(), maxsize=2)
    next(it)
    it.close()
    n = len(produced)
    time.sleep(0.3)
    assert len(produced) == n < 100


@pytest.mark.parametrize("rotation, vfr", [(0, False), (90, True)])
def test_frame_seeker_gives_the_frames_the_landmarks_came_from(tmp_path, rotation, vfr):
    """Random access (steps back, jumps, the next frame) returns exactly the picture
    VideoFile.frames gave at that index, on a rotated phone clip with variable frame rate too."""
    from hingecheck.pose.sources import FrameSeeker

    n = 40
    raw = []
    for k in range(n):  # each frame tells its number: a bright column at x = 4 + k
        f = np.full((48, 64, 3), 40, np.uint8)
        f[:, 4 + k] = 250
        raw.append(f)
    pts = np.cumsum([0.0] + [0.02 if k % 3 else 0.05 for k in range(n - 1)]) if vfr else None
    clip = write_clip(tmp_path / "seek.mp4", raw, fps=30, pts=pts, rotation=rotation)
    seq = list(VideoFile(clip).frames())
    seeker = FrameSeeker(clip, np.array([f.t for f in seq]))
    for i in (0, 1, 2, 30, 12, 13, 39, 5, 6, 38):
        assert np.array_equal(seeker.read(i), seq[i].rgb), i
    assert seeker.read(n) is None
    seeker.close()
