"""Helpers of the reliability tests: damaged copies of a demo video, and a
hook that records every training loss and can kill its own process."""
import json
import os
import signal
import struct

from mmengine.hooks import Hook

from umt_mm.registry import HOOKS


def _boxes(data, start=0, end=None):
    """``(type, offset, size)`` of the top-level MP4 boxes."""
    end = len(data) if end is None else end
    out, i = [], start
    while i + 8 <= end:
        size, = struct.unpack('>I', data[i:i + 4])
        out.append((data[i + 4:i + 8], i, size))
        if size < 8:
            break
        i += size
    return out


def faststart(data):
    """The MP4 with its moov box moved before mdat (chunk offsets fixed),
    so that cutting the file keeps it openable and breaks decoding."""
    boxes = {typ: (off, size) for typ, off, size in _boxes(data)}
    m_off, m_size = boxes[b'moov']
    d_off, _ = boxes[b'mdat']
    moov = bytearray(data[m_off:m_off + m_size])
    pos = moov.find(b'stco')
    while pos >= 0:
        count, = struct.unpack('>I', moov[pos + 8:pos + 12])
        for k in range(count):
            at = pos + 12 + 4 * k
            value, = struct.unpack('>I', moov[at:at + 4])
            moov[at:at + 4] = struct.pack('>I', value + m_size)
        pos = moov.find(b'stco', pos + 4)
    return data[:d_off] + bytes(moov) + data[d_off:m_off] + \
        data[m_off + m_size:]


def write_audio_only(path, seconds=1):
    """An MP4 with one AAC audio stream and no video."""
    import av
    import numpy as np
    with av.open(path, 'w') as container:
        stream = container.add_stream('aac', rate=16000)
        samples = np.zeros((1, 1024), np.float32)
        for i in range(int(seconds * 16000 / 1024)):
            frame = av.AudioFrame.from_ndarray(samples, format='flt',
                                               layout='mono')
            frame.sample_rate = 16000
            frame.pts = i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def damaged_videos(good_path, out_dir):
    """Write the five kinds of unreadable videos next to each other.

    Returns:
        dict: kind -> path.
    """
    with open(good_path, 'rb') as f:
        data = f.read()
    fast = faststart(data)
    moov_off = next(off for typ, off, _ in _boxes(data) if typ == b'moov')
    contents = {
        # openable (moov first), frames after the cut missing
        'truncated': fast[:len(fast) // 2],
        'zero_bytes': b'',
        'not_a_video': b'this is a text file, not a video\n' * 20,
        # every frame present, the index (moov box) cut off
        'moov_cut': data[:moov_off + 16],
    }
    paths = {}
    for kind, content in contents.items():
        paths[kind] = os.path.join(out_dir, f'{kind}.mp4')
        with open(paths[kind], 'wb') as f:
            f.write(content)
    paths['audio_only'] = os.path.join(out_dir, 'audio_only.mp4')
    write_audio_only(paths['audio_only'])
    return paths


@HOOKS.register_module()
class LossRecorderHook(Hook):
    """Append ``{"iter": i, "loss": float}`` per iteration to
    ``out_file``.<rank>; SIGKILL the process after iteration ``kill_at``.

    Args:
        out_file (str): Record file prefix.
        kill_at (int): 1-based iteration after which to die; 0 = never.
    """
    priority = 'LOWEST'  # after the checkpoint hook

    def __init__(self, out_file, kill_at=0):
        self.out_file = out_file
        self.kill_at = kill_at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        from mmengine.dist import get_rank
        with open(f'{self.out_file}.{get_rank()}', 'a') as f:
            f.write(json.dumps(dict(iter=runner.iter + 1,
                                    loss=float(outputs['loss']))) + '\n')
        if self.kill_at and runner.iter + 1 == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


class PickleMarker:
    """Unpickling it creates the file ``path``: a harmless code-execution
    payload that shows whether a loader ran pickled code."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))
