"""Convert a video tree into frame shards (see :mod:`.frame_shards`).

Each shard is one job: the videos of the shard are decoded with decord (the
decoder of mmaction2's ``DecordDecode``, so frame ``i`` of the shard is
frame ``i`` of the source as the training pipeline would decode it), every
frame is encoded, the tar is written under a temporary name, read back and
checked (frame count, CRC32 of every member, first and last frame decode),
then renamed, and its side-car index written last. A rerun skips shards
whose index exists for the same videos and whose tar has the recorded size.
A video that fails is listed with its error and does not stop the shard.
"""
import io
import os
import os.path as osp
import tarfile
import time
import zlib
from multiprocessing import get_context
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log

from .frame_shards import (CODECS, FORMAT_VERSION, SUBSAMPLING,
                           FrameShardReader, H264Encoder, decode_frame,
                           decode_h264, encode_frame, sha256_file, shard_name,
                           write_json_atomic)
from .guarded import error_text

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.flv')


def find_videos(src_root: str) -> List[str]:
    """Paths of the videos under ``src_root``, relative to it, sorted."""
    out = []
    for root, _, files in os.walk(src_root):
        out += [osp.relpath(osp.join(root, f), src_root) for f in files
                if f.lower().endswith(VIDEO_EXTS)]
    return sorted(out)


def keys_from_list(list_file: str) -> List[str]:
    """First column of an mmaction2 list file (``path label`` lines)."""
    with open(list_file) as f:
        return [line.split()[0] for line in f if line.strip()]


def _resize_short(frame, short_side: int):
    import cv2
    h, w = frame.shape[:2]
    if not short_side or min(h, w) <= short_side:
        return frame
    scale = short_side / min(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def encode_video(path: str, codec: str, quality: int,
                 short_side: int = 0, chunk: int = 16,
                 subsampling: str = '420', gop: int = 4):
    """All frames of a video, decoded by decord and encoded (``h264``:
    one packet per frame, ``quality`` is the CRF, a keyframe every
    ``gop`` frames; see :class:`.frame_shards.H264Encoder`).

    Returns:
        tuple: ``(frames, fps, (height, width))`` with ``frames`` a list of
        encoded bytes.
    """
    import decord
    vr = decord.VideoReader(path, num_threads=1)
    n = len(vr)
    if n == 0:
        raise ValueError('no frames')
    import cv2
    out, encoder = [], None
    for start in range(0, n, chunk):
        batch = vr.get_batch(list(range(start, min(n, start + chunk))))
        for frame in batch.asnumpy():
            frame = _resize_short(frame, short_side)
            if codec != 'h264':
                out.append(encode_frame(frame, codec, quality, subsampling))
                continue
            h, w = frame.shape[:2]
            if h % 2 or w % 2:  # x264 4:2:0 needs even sizes
                frame = cv2.resize(frame, (w - w % 2, h - h % 2),
                                   interpolation=cv2.INTER_AREA)
            if encoder is None:
                encoder = H264Encoder(frame.shape[1], frame.shape[0], gop,
                                      quality)
            encoder.add(np.ascontiguousarray(frame))
    if encoder is not None:
        out = encoder.finish()
        shape = decode_h264(out[:1]).shape[:2]
    else:
        shape = decode_frame(out[0]).shape[:2]
    return out, float(vr.get_avg_fps()), shape


def _check_tar(path: str, index: Dict[str, dict], gop: int = 1) -> None:
    """Read back a written shard: sizes, CRC32s, first/last frame decode
    (``gop > 1``: H.264 packets, the last frame from its GOP)."""
    with open(path, 'rb') as f:
        for key, entry in index.items():
            frames, last_gop = entry['frames'], []
            last_key = (len(frames) - 1) // gop * gop
            for i, (off, size, crc) in enumerate(frames):
                f.seek(off)
                data = f.read(size)
                if zlib.crc32(data) != crc:
                    raise IOError(f'{path}: read-back of {key} frame {i} '
                                  'differs from what was written')
                if gop == 1 and i in (0, len(frames) - 1):
                    decode_frame(data)
                elif gop > 1 and i == 0:
                    decode_h264([data])
                elif gop > 1 and i >= last_key:
                    last_gop.append(data)
            if last_gop:
                decode_h264(last_gop)


def write_shard(job: dict) -> dict:
    """Convert the videos of one shard; returns its side-car index.

    Args:
        job (dict): ``index``, ``out_root``, ``src_root``, ``keys`` and
            ``options`` (``codec``, ``quality``, ``short_side``,
            ``subsampling``).
    """
    name = shard_name(job['index'])
    tar_path = osp.join(job['out_root'], name + '.tar')
    json_path = osp.join(job['out_root'], name + '.json')
    opts = job['options']
    ext = CODECS[opts['codec']]
    tmp = f'{tar_path}.tmp{os.getpid()}'
    videos, failed = {}, []
    start = time.time()
    try:
        with tarfile.open(tmp, 'w', format=tarfile.PAX_FORMAT) as tar:
            for key in job['keys']:
                try:
                    frames, fps, (h, w) = encode_video(
                        osp.join(job['src_root'], key), opts['codec'],
                        opts['quality'], opts['short_side'],
                        subsampling=opts['subsampling'], gop=opts['gop'])
                except Exception as e:  # listed, conversion goes on
                    failed.append(dict(key=key, error=error_text(e)))
                    continue
                rows = []
                for i, data in enumerate(frames):
                    info = tarfile.TarInfo(f'{key}/{i:06d}{ext}')
                    info.size = len(data)
                    info.mtime = 0
                    tar.addfile(info, io.BytesIO(data))
                    # the data ends the padded 512-byte blocks written
                    data_off = tar.offset - -(-len(data) // 512) * 512
                    rows.append([data_off, len(data), zlib.crc32(data)])
                videos[key] = dict(frames=rows, fps=fps, height=h, width=w)
        _check_tar(tmp, videos,
                   opts['gop'] if opts['codec'] == 'h264' else 1)
        os.replace(tmp, tar_path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    record = dict(name=name, keys=list(job['keys']), options=opts,
                  videos=videos,
                  failed=failed, bytes=osp.getsize(tar_path),
                  sha256=sha256_file(tar_path),
                  source_bytes=sum(
                      osp.getsize(osp.join(job['src_root'], k))
                      for k in job['keys']
                      if osp.exists(osp.join(job['src_root'], k))),
                  seconds=time.time() - start)
    write_json_atomic(json_path, record)
    return record


def _load_done(out_root: str, index: int, keys: Sequence[str],
               options: dict):
    """The side-car of a finished shard for the same keys and encoding
    options, else None."""
    import json
    name = shard_name(index)
    json_path = osp.join(out_root, name + '.json')
    tar_path = osp.join(out_root, name + '.tar')
    if not (osp.isfile(json_path) and osp.isfile(tar_path)):
        return None
    try:
        with open(json_path) as f:
            record = json.load(f)
    except ValueError:
        return None
    if record.get('keys') != list(keys) or \
            record.get('options') != options or \
            osp.getsize(tar_path) != record.get('bytes'):
        return None
    return record


def build_manifest(records: List[dict], options: dict) -> dict:
    """The manifest of a prepared root from its shards' side-cars."""
    records = sorted(records, key=lambda r: r['name'])
    videos, failed, shards = {}, [], []
    frames = 0
    for s, rec in enumerate(records):
        for key, v in rec['videos'].items():
            videos[key] = [s, len(v['frames']), v['fps'], v['height'],
                           v['width']]
            frames += len(v['frames'])
        failed += rec['failed']
        shards.append(dict(name=rec['name'], bytes=rec['bytes'],
                           sha256=rec['sha256'], videos=len(rec['videos'])))
    src = sum(r['source_bytes'] for r in records)
    dst = sum(r['bytes'] for r in records)
    return dict(
        format_version=FORMAT_VERSION, **options,
        counts=dict(videos=len(videos) + len(failed), converted=len(videos),
                    failed=len(failed), frames=frames, shards=len(shards)),
        sizes=dict(source_bytes=src, prepared_bytes=dst,
                   multiplier=round(dst / src, 3) if src else None),
        shards=shards, failed=failed, videos=videos)


def prepare_frame_shards(src_root: str,
                         out_root: str,
                         keys: Optional[Sequence[str]] = None,
                         codec: str = 'jpeg',
                         quality: int = 90,
                         short_side: int = 0,
                         videos_per_shard: int = 64,
                         workers: int = 1,
                         progress: bool = True,
                         subsampling: str = '420',
                         gop: int = 4) -> dict:
    """Convert videos to frame shards (parallel, resumable, verified).

    Args:
        src_root (str): Root of the source videos.
        out_root (str): Output directory (created).
        keys (Sequence[str], optional): Video paths relative to
            ``src_root`` (e.g. from a list file). Defaults to every video
            under ``src_root``.
        codec (str): ``'jpeg'``, ``'webp'`` or ``'png'``. Defaults to
            ``'jpeg'``.
        quality (int): JPEG/WebP quality. Defaults to 90.
        short_side (int): Downscale frames whose short side is larger
            (0: keep the decoded size). Defaults to 0.
        videos_per_shard (int): Videos per tar file. Defaults to 64.
        workers (int): Processes. Defaults to 1.
        progress (bool): Show a progress bar. Defaults to True.
        subsampling (str): JPEG chroma subsampling (``'420'``, ``'422'``,
            ``'444'``). Defaults to ``'420'``.
        gop (int): ``h264``: keyframe interval (``quality`` is the x264
            CRF). Defaults to 4.

    Returns:
        dict: The manifest (also written to ``out_root/manifest.json``).
    """
    from mmengine.utils import ProgressBar
    if codec not in CODECS:
        raise ValueError(f'codec={codec!r}: expected one of {sorted(CODECS)}')
    if subsampling not in SUBSAMPLING:
        raise ValueError(f'subsampling={subsampling!r}: expected one of '
                         f'{SUBSAMPLING}')
    if codec == 'h264' and not (0 <= quality <= 51 and gop >= 1):
        raise ValueError(f'h264 shards: quality is the x264 CRF (0-51), '
                         f'got {quality}; gop >= 1, got {gop}')
    options = dict(codec=codec, quality=quality, short_side=short_side,
                   subsampling=subsampling, gop=gop)
    keys = sorted(set(keys)) if keys is not None else find_videos(src_root)
    if not keys:
        raise FileNotFoundError(f'no videos under {src_root}')
    os.makedirs(out_root, exist_ok=True)
    for name in os.listdir(out_root):  # left by an interrupted run
        if name.startswith('shard_') and '.tmp' in name:
            os.remove(osp.join(out_root, name))
    chunks = [keys[i:i + videos_per_shard]
              for i in range(0, len(keys), videos_per_shard)]
    records, jobs = [], []
    for i, chunk in enumerate(chunks):
        done = _load_done(out_root, i, chunk, options)
        if done is not None:
            records.append(done)
        else:
            jobs.append(dict(index=i, out_root=out_root, src_root=src_root,
                             keys=chunk, options=options))
    logger = MMLogger.get_current_instance()
    print_log(f'{len(keys)} videos in {len(chunks)} shards: '
              f'{len(records)} already done, {len(jobs)} to convert',
              logger)
    bar = ProgressBar(len(jobs)) if progress and jobs else None
    if workers > 1 and len(jobs) > 1:
        with get_context('fork').Pool(min(workers, len(jobs))) as pool:
            for rec in pool.imap_unordered(write_shard, jobs):
                records.append(rec)
                if bar:
                    bar.update()
    else:
        for job in jobs:
            records.append(write_shard(job))
            if bar:
                bar.update()
    manifest = build_manifest(
        records, dict(options, source_root=osp.abspath(src_root)))
    write_json_atomic(osp.join(out_root, 'manifest.json'), manifest)
    FrameShardReader(out_root)  # the manifest reads back
    return manifest


def reencode_video(src: str, dst: str, gop: int = 16, short_side: int = 0,
                   crf: int = 23, preset: str = 'medium',
                   tune: Optional[str] = None) -> None:
    """Re-encode a video to H.264 with a short GOP for sparse sampling.

    A keyframe every ``gop`` frames (``gop=1``: all-intra), no B-frames,
    yuv420p, frames re-timed at the source's average rate, no audio.

    Args:
        src (str): Source video.
        dst (str): Output ``.mp4`` (written directly; callers rename).
        gop (int): Keyframe interval in frames. Defaults to 16.
        short_side (int): Downscale so the short side is at most this
            (0: keep). Defaults to 0.
        crf (int): x264 CRF. Defaults to 23.
        preset (str): x264 preset. Defaults to ``'medium'``.
        tune (str, optional): x264 tune, e.g. ``'fastdecode'`` (CAVLC, no
            deblocking or weighted prediction: faster decoding, larger
            files). Defaults to None.
    """
    from fractions import Fraction

    import av
    with av.open(src) as cin:
        sin = cin.streams.video[0]
        sin.thread_type = 'AUTO'
        rate = sin.average_rate or sin.guessed_rate or 30
        w, h = sin.codec_context.width, sin.codec_context.height
        if short_side and min(w, h) > short_side:
            scale = short_side / min(w, h)
            w, h = round(w * scale), round(h * scale)
        w, h = w - w % 2, h - h % 2
        with av.open(dst, 'w', format='mp4') as cout:
            s = cout.add_stream('libx264', rate=rate)
            s.width, s.height, s.pix_fmt = w, h, 'yuv420p'
            s.options = {
                'crf': str(crf),
                'preset': preset,
                'x264-params': f'keyint={gop}:min-keyint={gop}:scenecut=0:'
                'bframes=0',
                **({'tune': tune} if tune else {}),
            }
            tb = Fraction(1, 1) / Fraction(rate)
            for i, frame in enumerate(cin.decode(sin)):
                frame = frame.reformat(width=w, height=h, format='yuv420p',
                                       interpolation='BICUBIC')
                frame.pts = i
                frame.time_base = tb
                for pkt in s.encode(frame):
                    cout.mux(pkt)
            for pkt in s.encode():
                cout.mux(pkt)
