"""Benchmark and test clips: H.264 like Kinetics re-encodes.

* ``synthetic`` (:func:`make_kinetics_like`): a panning random texture with
  flat shapes and per-pixel noise; cheap to make, unrealistically cheap for
  H.264 and expensive for JPEG;
* ``natural`` (:func:`make_natural_clip`): real photographs animated like
  hand-held footage; bit rates close to resized Kinetics
  (docs/benchmark.md).
"""
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


# Real photographs shipped inside packages of this environment (no
# download): scikit-learn's two sample images and matplotlib's sample photo.
PHOTOS = (('sklearn', 'scikit-learn', 'datasets/images/china.jpg'),
          ('sklearn', 'scikit-learn', 'datasets/images/flower.jpg'),
          ('matplotlib', 'matplotlib',
           'mpl-data/sample_data/grace_hopper.jpg'))


def natural_photos():
    """Paths of the photographs :func:`make_natural_clip` animates.

    Raises:
        FileNotFoundError: a package that ships one is not installed.
    """
    import importlib.util
    out = []
    for module, dist, rel in PHOTOS:
        spec = importlib.util.find_spec(module)
        path = osp.join(spec.submodule_search_locations[0], rel) \
            if spec and spec.submodule_search_locations else ''
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{module}/{rel} not found: natural benchmark content '
                f'animates the photos shipped with {dist} (pip install '
                f'{dist})')
        out.append(path)
    return out


def _smooth_step(t, start, length):
    import numpy as np
    x = np.clip((t - start) / max(length, 1e-6), 0, 1)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def _sprite(photo, rng, height):
    """A textured object: a soft-edged elliptical cut of a photo."""
    import cv2
    import numpy as np
    ph, pw = photo.shape[:2]
    sh = height
    sw = int(sh * rng.uniform(0.45, 0.8))
    y, x = rng.integers(0, ph - sh), rng.integers(0, pw - sw)
    rgb = photo[y:y + sh, x:x + sw].copy()
    mask = np.zeros((sh, sw), np.float32)
    cv2.ellipse(mask, (sw // 2, sh // 2), (sw // 2 - 2, sh // 2 - 2), 0, 0,
                360, 1., -1)
    return rgb, cv2.GaussianBlur(mask, (0, 0), 1.5)[..., None]


def _paste(canvas, sprite, x, y):
    rgb, alpha = sprite
    h, w = alpha.shape[:2]
    x, y = int(round(x)), int(round(y))
    x0, y0 = max(x, 0), max(y, 0)
    x1 = min(x + w, canvas.shape[1])
    y1 = min(y + h, canvas.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x]
    region = canvas[y0:y1, x0:x1]
    region += a * (rgb[y0 - y:y1 - y, x0 - x:x1 - x] - region)


def make_natural_clip(path, seed, seconds=10., fps=30, short_side=320,
                      aspect=16 / 9, noise=1.0, subframes=3):
    """A clip animated from a real photograph like hand-held footage.

    The scene is one of :func:`natural_photos` (flipped at random); the
    camera pans slowly and zooms (up to +25%), hand-held clips (about 60%)
    add a shake of a few pixels and a small roll; one or two textured
    objects cut from another photo move across the scene; exposure and
    white balance drift; motion blur comes from averaging ``subframes``
    renders over half a frame interval (exposure 1/60 s at 30 fps); mild
    Gaussian sensor noise. Encoded like a Kinetics re-encode: libx264
    defaults (CRF 23, preset medium, keyint 250, B-frames), yuv420p, short
    side ``short_side``.

    Args:
        path (str): Output ``.mp4``.
        seed (int): Picks the photo, camera path, objects and lighting.
        seconds (float): Length. Defaults to 10.
        fps (int): Frame rate. Defaults to 30.
        short_side (int): Height of the landscape frame. Defaults to 320.
        aspect (float): Width / height. Defaults to 16 / 9 (568x320).
        noise (float): Sensor-noise standard deviation in grey levels.
            Defaults to 1.0.
        subframes (int): Renders averaged per frame (motion blur).
            Defaults to 3.
    """
    import av
    import cv2
    import numpy as np
    rng = np.random.default_rng(seed)
    photos = [cv2.imread(p, cv2.IMREAD_COLOR_RGB).astype(np.float32)
              for p in natural_photos()]
    scene = photos[seed % len(photos)]
    if rng.random() < 0.5:
        scene = np.ascontiguousarray(scene[:, ::-1])
    ph, pw = scene.shape[:2]
    h = short_side
    w = int(round(h * aspect / 2)) * 2
    base = max(w / pw, h / ph) * 1.1  # photo px -> output px at zoom 1
    n = int(round(seconds * fps))
    # camera: slow pan between two points that keep the view inside the
    # photo, a zoom ramp, and for hand-held clips a few-Hz shake and roll
    half_w, half_h = w / 2 / base, h / 2 / base
    c0 = np.array([rng.uniform(half_w, pw - half_w),
                   rng.uniform(half_h, ph - half_h)])
    c1 = np.array([rng.uniform(half_w, pw - half_w),
                   rng.uniform(half_h, ph - half_h)])
    pan_start, pan_len = rng.uniform(0, seconds / 3), rng.uniform(
        seconds / 3, seconds)
    zoom_amp = rng.uniform(-0.05, 0.25)
    zoom_start, zoom_len = rng.uniform(0, seconds / 2), rng.uniform(
        0.2, 1) * seconds
    handheld = rng.random() < 0.6
    shake = [(rng.uniform(0.5, 2.5) * handheld, rng.uniform(0.5, 5.),
              rng.uniform(0, 2 * np.pi)) for _ in range(6)]
    roll = [(rng.uniform(0., 0.006) * handheld, rng.uniform(0.3, 2.),
             rng.uniform(0, 2 * np.pi)) for _ in range(2)]
    # objects in scene coordinates: position, velocity (px/s), bobbing
    others = [p for i, p in enumerate(photos) if i != seed % len(photos)]
    objects = []
    for _ in range(rng.integers(1, 3)):
        sprite = _sprite(others[rng.integers(len(others))], rng,
                         int(rng.uniform(0.25, 0.5) * ph))
        objects.append((sprite, rng.uniform(0, pw), rng.uniform(0.2, 0.6) *
                        ph, rng.choice([-1, 1]) * rng.uniform(15, 60),
                        rng.uniform(-8, 8), rng.uniform(2, 6),
                        rng.uniform(1, 2.5)))
    # lighting: exposure wave, a cloud/auto-exposure step, white balance
    gain_amp, gain_period = rng.uniform(0.02, 0.08), rng.uniform(3, 10)
    step_amp, step_at = rng.uniform(-0.2, 0.15), rng.uniform(.1, .9) * seconds
    tint0, tint1 = rng.uniform(0.96, 1.04, 3), rng.uniform(0.96, 1.04, 3)

    def camera(t):
        s = base * (1 + zoom_amp * _smooth_step(t, zoom_start, zoom_len))
        c = c0 + (c1 - c0) * _smooth_step(t, pan_start, pan_len)
        dx = sum(a * np.sin(2 * np.pi * f * t + p) for a, f, p in shake)
        dy = sum(a * np.cos(2 * np.pi * f * t + p) for a, f, p in shake)
        th = sum(a * np.sin(2 * np.pi * f * t + p) for a, f, p in roll)
        cos, sin = np.cos(th) / s, np.sin(th) / s
        # output (x, y) -> scene: c + R(th) / s * ((x, y) - centre + shake)
        ox, oy = -w / 2 + dx, -h / 2 + dy
        return np.array([[cos, -sin, c[0] + cos * ox - sin * oy],
                         [sin, cos, c[1] + sin * ox + cos * oy]])

    def render(t):
        canvas = scene.copy()
        for sprite, x0, y0, vx, vy, bob_amp, bob_f in objects:
            x = (x0 + vx * t) % (pw + 200) - 100
            y = y0 + vy * t + bob_amp * np.sin(2 * np.pi * bob_f * t)
            _paste(canvas, sprite, x, y)
        return cv2.warpAffine(canvas, camera(t), (w, h),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REFLECT101)

    with av.open(path, 'w') as out:
        stream = out.add_stream('libx264', rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, 'yuv420p'
        for i in range(n):
            t = i / fps
            img = sum(render(t + k / (2 * fps * subframes))
                      for k in range(subframes)) / subframes
            gain = (1 + gain_amp * np.sin(2 * np.pi * t / gain_period) +
                    step_amp * _smooth_step(t, step_at, 0.7))
            tint = tint0 + (tint1 - tint0) * t / seconds
            img = img * (gain * tint)
            img += rng.normal(0, noise, img.shape).astype(np.float32)
            frame = av.VideoFrame.from_ndarray(
                np.clip(img + 0.5, 0, 255).astype(np.uint8), format='rgb24')
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)


CONTENTS = dict(synthetic=make_kinetics_like, natural=make_natural_clip)


def _gen_job(job):
    path, seed, seconds, content = job
    tmp = f'{path}.tmp{os.getpid()}.mp4'
    try:
        CONTENTS[content](tmp, seed, seconds)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def generate_videos(out_dir, num, seconds, workers=1, content='synthetic'):
    """``num`` clips ``clip_XXXX.mp4`` (seed = index) in ``out_dir``.

    Existing clips are reused; new ones are written under a temporary name
    and renamed when complete.

    Args:
        out_dir (str): Output directory (created).
        num (int): Number of clips.
        seconds (float): Length of each clip.
        workers (int): Processes. Defaults to 1.
        content (str): ``'synthetic'`` or ``'natural'`` (see the module).
            Defaults to ``'synthetic'``.

    Returns:
        list[str]: Paths of the clips, in index order.
    """
    if content not in CONTENTS:
        raise ValueError(f'content={content!r}: expected one of '
                         f'{sorted(CONTENTS)}')
    os.makedirs(out_dir, exist_ok=True)
    jobs = [(osp.join(out_dir, f'clip_{i:04d}.mp4'), i, seconds, content)
            for i in range(num)]
    todo = [j for j in jobs if not osp.exists(j[0])]
    if len(todo) > 1 and workers > 1:
        with get_context('fork').Pool(min(workers, len(todo))) as pool:
            pool.map(_gen_job, todo)
    else:
        for job in todo:
            _gen_job(job)
    return [j[0] for j in jobs]
