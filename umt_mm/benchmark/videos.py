"""Kinetics-like synthetic H.264 clips for benchmarks and tests."""
import os
import os.path as osp
from multiprocessing import get_context


def make_kinetics_like(path, seed, seconds=10., fps=30, short_side=320,
                       aspect=16 / 9):
    """A Kinetics-like H.264 clip: panning textured scene, moving shapes,
    lighting changes, mild noise; libx264 defaults (keyint 250,
    B-frames), yuv420p, short side ``short_side``."""
    import av
    import cv2
    import numpy as np
    rng = np.random.default_rng(seed)
    h = short_side
    w = int(round(h * aspect / 2)) * 2
    big_h, big_w = h * 2, w * 2
    coarse = rng.uniform(0, 255, (big_h // 24, big_w // 24, 3))
    scene = cv2.resize(coarse.astype(np.float32), (big_w, big_h),
                       interpolation=cv2.INTER_CUBIC)
    detail = cv2.GaussianBlur(
        rng.normal(0, 25, (big_h, big_w, 3)).astype(np.float32), (0, 0), 1.2)
    scene = np.clip(scene + detail, 0, 255)
    n = int(seconds * fps)
    objects = [(rng.uniform(0, w), rng.uniform(0, h), rng.uniform(-4, 4),
                rng.uniform(-3, 3), int(rng.uniform(15, 50)),
                tuple(int(c) for c in rng.integers(0, 256, 3)))
               for _ in range(3)]
    with av.open(path, 'w') as out:
        stream = out.add_stream('libx264', rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, 'yuv420p'
        for i in range(n):
            phase = i / n
            x0 = int((big_w - w) * phase)
            y0 = int((big_h - h) * (0.5 + 0.4 * np.sin(2 * np.pi * phase)))
            img = scene[y0:y0 + h, x0:x0 + w] * (0.85 + 0.15 * np.sin(i / 25))
            img = img.astype(np.uint8)
            for x, y, vx, vy, r, col in objects:
                cv2.circle(img, (int(x + vx * i) % w, int(y + vy * i) % h), r,
                           col, -1)
            img = cv2.add(img, rng.integers(0, 3, img.shape, dtype=np.uint8))
            frame = av.VideoFrame.from_ndarray(img, format='rgb24')
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)


def _gen_job(job):
    path, seed, seconds = job
    tmp = f'{path}.tmp{os.getpid()}.mp4'
    try:
        make_kinetics_like(tmp, seed, seconds)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def generate_videos(out_dir, num, seconds, workers=1):
    """``num`` clips ``clip_XXXX.mp4`` (seed = index) in ``out_dir``.

    Existing clips are reused; new ones are written under a temporary name
    and renamed when complete.

    Args:
        out_dir (str): Output directory (created).
        num (int): Number of clips.
        seconds (float): Length of each clip.
        workers (int): Processes. Defaults to 1.

    Returns:
        list[str]: Paths of the clips, in index order.
    """
    os.makedirs(out_dir, exist_ok=True)
    jobs = [(osp.join(out_dir, f'clip_{i:04d}.mp4'), i, seconds)
            for i in range(num)]
    todo = [j for j in jobs if not osp.exists(j[0])]
    if len(todo) > 1 and workers > 1:
        with get_context('fork').Pool(min(workers, len(todo))) as pool:
            pool.map(_gen_job, todo)
    else:
        for job in todo:
            _gen_job(job)
    return [j[0] for j in jobs]
