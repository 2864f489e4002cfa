"""Frame shards: a video dataset stored as encoded frames in tar files.

Layout of a prepared root (written by :func:`umt_mm.datasets.prepare.
prepare_frame_shards`)::

    ROOT/manifest.json        summary, shards, failed videos, video table
    ROOT/shard_00000.tar      members KEY/000000.jpg, KEY/000001.jpg, ...
    ROOT/shard_00000.json     per-frame offset, size and CRC32 of the shard

The tar files are ordinary tar archives (``tar tf`` lists them); readers
seek straight to the frame bytes with the offsets of the side-car index, so
reading 8 frames of a clip costs 8 seeks and 8 image decodes. Every frame
read is checked against its CRC32: a truncated or altered shard raises an
error that names the shard, the video and the frame.

``KEY`` is the video's path relative to the source root (the entry of the
annotation list), so the same list file serves source and prepared data.
"""
import json
import os
import os.path as osp
import zlib
from typing import Dict, List, Sequence

import numpy as np

FORMAT_VERSION = 1
CODECS = {'jpeg': '.jpg', 'png': '.png', 'webp': '.webp', 'h264': '.h264'}
SUBSAMPLING = ('420', '422', '444')


class ShardError(IOError):
    """A shard is missing, truncated or does not match its checksums."""


def shard_name(index: int) -> str:
    """``shard_XXXXX`` (no extension) of shard ``index``."""
    return f'shard_{index:05d}'


def write_json_atomic(path: str, obj) -> None:
    """Write ``obj`` as JSON to ``path`` through a temporary file."""
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def encode_frame(rgb: np.ndarray, codec: str, quality: int,
                 subsampling: str = '420') -> bytes:
    """Encode one RGB uint8 frame with OpenCV.

    Args:
        rgb (np.ndarray): ``(H, W, 3)`` uint8 RGB.
        codec (str): ``'jpeg'`` (libjpeg-turbo), ``'webp'`` or ``'png'``
            (lossless).
        quality (int): JPEG/WebP quality 1-100 (PNG: ignored).
        subsampling (str): JPEG chroma subsampling, ``'420'``, ``'422'``
            or ``'444'`` (others: ignored). Defaults to ``'420'``.
    """
    import cv2
    if codec not in CODECS or codec == 'h264':
        raise ValueError(f'codec={codec!r}: expected one of '
                         f"{sorted(set(CODECS) - {'h264'})} (h264: "
                         'H264Encoder)')
    if subsampling not in SUBSAMPLING:
        raise ValueError(f'subsampling={subsampling!r}: expected one of '
                         f'{SUBSAMPLING}')
    factor = getattr(cv2, f'IMWRITE_JPEG_SAMPLING_FACTOR_{subsampling}')
    params = {
        'jpeg': [cv2.IMWRITE_JPEG_QUALITY, quality,
                 cv2.IMWRITE_JPEG_SAMPLING_FACTOR, factor],
        'webp': [cv2.IMWRITE_WEBP_QUALITY, quality],
        'png': [cv2.IMWRITE_PNG_COMPRESSION, 1],
    }[codec]
    ok, buf = cv2.imencode(CODECS[codec], rgb[..., ::-1], params)
    if not ok:
        raise RuntimeError(f'OpenCV could not encode a {codec} frame')
    return buf.tobytes()


def decode_frame(data: bytes) -> np.ndarray:
    """Decode encoded frame bytes to ``(H, W, 3)`` uint8 RGB."""
    import cv2
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR_RGB)
    if img is None:
        raise ValueError('OpenCV could not decode the frame bytes')
    return img


class H264Encoder:
    """Frames of one video as H.264 packets, a keyframe every ``gop``.

    x264 with no B-frames, ``tune=fastdecode`` (CAVLC, no deblocking) and
    the parameter sets repeated at every keyframe, so the packets from a
    keyframe up to frame ``i`` decode frame ``i`` on their own
    (:func:`decode_h264`).

    Args:
        width (int): Frame width (even).
        height (int): Frame height (even).
        gop (int): Keyframe interval. Defaults to 4.
        crf (int): x264 CRF. Defaults to 23.
    """

    def __init__(self, width: int, height: int, gop: int = 4,
                 crf: int = 23) -> None:
        from fractions import Fraction

        import av
        ctx = av.CodecContext.create('libx264', 'w')
        ctx.width, ctx.height, ctx.pix_fmt = width, height, 'yuv420p'
        ctx.time_base, ctx.framerate = Fraction(1, 30), Fraction(30)
        ctx.options = {
            'crf': str(crf), 'preset': 'medium', 'tune': 'fastdecode',
            'x264-params': f'keyint={gop}:min-keyint={gop}:scenecut=0:'
            'bframes=0:repeat-headers=1'}
        self.ctx, self.count, self.packets = ctx, 0, []

    def add(self, rgb: np.ndarray) -> None:
        """Encode the next ``(H, W, 3)`` uint8 RGB frame."""
        import av
        frame = av.VideoFrame.from_ndarray(rgb, format='rgb24')
        frame.pts = self.count
        self.count += 1
        self.packets += [bytes(p) for p in self.ctx.encode(frame)]

    def finish(self) -> List[bytes]:
        """The packets, one per frame in order."""
        self.packets += [bytes(p) for p in self.ctx.encode(None)]
        if len(self.packets) != self.count:
            raise RuntimeError(f'x264 gave {len(self.packets)} packets for '
                               f'{self.count} frames')
        return self.packets


class H264Decoder:
    """An FFmpeg H.264 decoder (one thread, no container) kept across GOPs.

    Each call feeds the packets of one GOP, keyframe first. A keyframe
    resets the decoder's references, so reusing it gives the same pixels
    as a fresh decoder and saves opening one per sampled frame. When the
    decoder holds a frame back (fewer frames out than packets in) it is
    drained and a fresh one is opened for the next call; a decoding error
    drops it too. Belongs to the process that created it (a forked
    worker opens its own).
    """

    def __init__(self) -> None:
        self._ctx, self._pid = None, None

    def decode(self, packets: Sequence[bytes]) -> np.ndarray:
        """RGB of the last of ``packets`` (a keyframe and what follows)."""
        import av
        ctx, self._ctx = self._ctx, None
        if ctx is None or self._pid != os.getpid():
            ctx = av.CodecContext.create('h264', 'r')
            ctx.thread_count = 1
        frames = []
        for data in packets:
            frames += ctx.decode(av.Packet(data))
        if len(frames) == len(packets):
            self._ctx, self._pid = ctx, os.getpid()
        else:
            frames += ctx.decode(None)
        if not frames:
            raise ValueError('the H.264 packets decoded to no frame')
        return frames[-1].to_ndarray(format='rgb24')


def decode_h264(packets: Sequence[bytes]) -> np.ndarray:
    """RGB of the last of ``packets`` with a fresh :class:`H264Decoder`."""
    return H264Decoder().decode(packets)


class FrameShardReader:
    """Random access to the frames of a prepared root.

    Args:
        root (str): Directory holding ``manifest.json`` and the shards.
    """

    def __init__(self, root: str) -> None:
        path = osp.join(root, 'manifest.json')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found: prepare the data with '
                'tools/data/prepare_frame_shards.py')
        with open(path) as f:
            manifest = json.load(f)
        if manifest.get('format_version') != FORMAT_VERSION:
            raise ValueError(f'{path}: format_version '
                             f"{manifest.get('format_version')}, this reader "
                             f'reads {FORMAT_VERSION}')
        self.root = root
        self.manifest = manifest
        self.videos: Dict[str, list] = manifest['videos']
        # h264 shards: frame i decodes from the packets of its GOP
        self.gop = manifest.get('gop', 4) if manifest.get(
            'codec') == 'h264' else 1
        self.shards: List[dict] = manifest['shards']
        self._index: Dict[int, dict] = {}
        self._h264 = H264Decoder()

    def __contains__(self, key: str) -> bool:
        return key in self.videos

    def info(self, key: str) -> dict:
        """``shard``, ``frames``, ``fps``, ``height``, ``width`` of a video.
        """
        try:
            shard, frames, fps, height, width = self.videos[key]
        except KeyError:
            failed = {r['key']: r['error'] for r in self.manifest['failed']}
            why = f' (conversion failed: {failed[key]})' if key in failed \
                else ''
            raise KeyError(f'{key}: not in {self.root}/manifest.json{why}')
        return dict(shard=shard, frames=frames, fps=fps, height=height,
                    width=width)

    def shard_index(self, shard: int) -> dict:
        """The side-car index of shard ``shard`` (loaded once)."""
        if shard not in self._index:
            name = self.shards[shard]['name']
            with open(osp.join(self.root, name + '.json')) as f:
                self._index[shard] = json.load(f)['videos']
        return self._index[shard]

    def read(self, key: str, frame_inds: Sequence[int]) -> List[bytes]:
        """Encoded bytes of frames ``frame_inds`` of video ``key``.

        Raises:
            IndexError: an index outside ``[0, frames)``.
            ShardError: the shard is truncated or a frame's CRC32 differs.
        """
        info = self.info(key)
        entry = self.shard_index(info['shard'])[key]
        n = info['frames']
        name = self.shards[info['shard']]['name'] + '.tar'
        out = []
        with open(osp.join(self.root, name), 'rb') as f:
            for i in frame_inds:
                i = int(i)
                if not 0 <= i < n:
                    raise IndexError(f'{key}: frame {i} out of range for '
                                     f'{n} frames')
                off, size, crc = entry['frames'][i]
                f.seek(off)
                data = f.read(size)
                if len(data) != size:
                    raise ShardError(f'{name} is truncated: {key} frame {i} '
                                     f'needs bytes {off}..{off + size}')
                if zlib.crc32(data) != crc:
                    raise ShardError(f'{name}: checksum mismatch at {key} '
                                     f'frame {i} (the shard was altered)')
                out.append(data)
        return out

    def frames(self, key: str, frame_inds: Sequence[int]) -> List[np.ndarray]:
        """Decoded RGB frames ``frame_inds`` of video ``key``."""
        if self.gop == 1:
            return [decode_frame(b) for b in self.read(key, frame_inds)]
        spans = [range(int(i) - int(i) % self.gop, int(i) + 1)
                 for i in frame_inds]
        need = sorted({j for span in spans for j in span})
        data = dict(zip(need, self.read(key, need)))
        return [self._h264.decode([data[j] for j in span]) for span in spans]


def sha256_file(path: str, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file."""
    import hashlib
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            h.update(block)
    return h.hexdigest()


def verify_root(root: str) -> List[str]:
    """Check every shard of ``root`` against the manifest (size, SHA-256).

    Returns:
        list[str]: One message per bad shard (empty: all good).
    """
    with open(osp.join(root, 'manifest.json')) as f:
        manifest = json.load(f)
    errors = []
    for shard in manifest['shards']:
        path = osp.join(root, shard['name'] + '.tar')
        if not osp.isfile(path):
            errors.append(f'{path}: missing')
        elif osp.getsize(path) != shard['bytes']:
            errors.append(f'{path}: {osp.getsize(path)} bytes, manifest '
                          f"says {shard['bytes']} (truncated?)")
        elif sha256_file(path) != shard['sha256']:
            errors.append(f'{path}: SHA-256 differs from the manifest '
                          '(altered)')
    return errors
