"""The unmasked-teacher step shared by stage 1 and stage 2 (UTA).

:func:`mask_and_targets`: frozen teacher -> student mask -> teacher targets
at the kept tokens. :func:`check_alignment`: the build-time agreement of
student, teacher, alignment head and masker (token grids, layer counts,
widths), with errors that name both sides' config values.
"""
from typing import Optional, Sequence, Tuple

import torch

from ..maskers import gather_kept


def mask_and_targets(video: torch.Tensor,
                     grid: Sequence[int],
                     teacher=None,
                     masker=None,
                     with_targets: bool = True
                     ) -> Tuple[Optional[torch.Tensor],
                                Optional[torch.Tensor]]:
    """Student mask and the teacher's targets at the kept tokens.

    The teacher runs only when targets are wanted or the masker needs its
    class-token attention.

    Args:
        video (Tensor): ``(B, C, T, H, W)`` as the student sees it.
        grid (Sequence[int]): The student's token grid ``(T, h, w)`` of
            this input.
        teacher (CLIPTeacher, optional): The frozen teacher.
        masker (BaseMasker, optional): None = no masking.
        with_targets (bool): Return the teacher targets. Defaults to True.

    Returns:
        tuple: mask ``(B, T*h*w)`` (True = dropped; None without masker)
        and targets ``(K, B, n, D)`` at the kept tokens (None unless
        ``with_targets``).
    """
    need_teacher = teacher is not None and (
        with_targets or (masker is not None and masker.needs_attention))
    targets = attention = None
    if need_teacher:
        targets, attention = teacher.encode_video(video)
    mask = None
    if masker is not None:
        t, h, w = grid
        mask = masker(video.shape[0], t, h * w, attention=attention,
                      device=video.device)
    if not with_targets:
        return mask, None
    if targets is not None and mask is not None:
        targets = gather_kept(targets, mask)
    return mask, targets


def check_alignment(student,
                    teacher=None,
                    head=None,
                    masker=None,
                    names: Sequence[str] = ('backbone', 'teacher', 'head')
                    ) -> None:
    """Raise at build time when the parts of token alignment disagree.

    Checks: the teacher's per-frame token grid (``input_resolution //
    patch_size``) equals the student's (``img_size // patch_size``) and
    the student keeps every frame (``tubelet_size`` 1), so teacher tokens
    and attention index the student's tokens; the teacher's, the
    student's and the head's aligned-layer counts agree; the head's widths
    are the student's and the teacher's; a masker needing attention has a
    teacher.

    Args:
        student (UMTViT): The student.
        teacher (CLIPTeacher, optional): The teacher; None skips the
            teacher checks.
        head (UMTDistillHead, optional): The alignment head; None skips
            the head checks.
        masker (BaseMasker, optional): The masker.
        names (Sequence[str]): Config keys of student, teacher and head,
            used in messages. Defaults to ('backbone', 'teacher', 'head').
    """
    s_key, t_key, h_key = names
    if masker is not None and masker.needs_attention and teacher is None:
        raise ValueError(f'{masker} needs the teacher attention but no '
                         f'{t_key} is configured')
    if teacher is not None:
        _check_teacher(student, teacher, s_key, t_key)
    if head is None:
        return
    layers = len(head.clip_decoder)
    if layers != student.return_layers:
        raise ValueError(
            f'{h_key}.num_layers={layers} but {s_key}.return_layers='
            f'{student.return_layers}: the head decodes one aligned layer '
            'each')
    if head.in_channels != student.embed_dims:
        raise ValueError(f'{h_key}.in_channels={head.in_channels} but the '
                         f'{s_key} width is {student.embed_dims}')
    out = head.clip_decoder[0].head.out_features
    if teacher is not None and out != teacher.output_dim:
        raise ValueError(f'{h_key}.out_channels={out} but the {t_key} '
                         f'outputs {teacher.output_dim} channels')


def _check_teacher(student, teacher, s_key: str, t_key: str) -> None:
    t_side = teacher.input_resolution // teacher.patch_size
    s_side = student.img_size // student.patch_size
    if t_side != s_side:
        raise ValueError(
            f'teacher and student token grids differ: {t_key} '
            f'input_resolution={teacher.input_resolution} / patch '
            f'{teacher.patch_size} gives {t_side}x{t_side} tokens a frame, '
            f'{s_key} img_size={student.img_size} / patch_size='
            f'{student.patch_size} gives {s_side}x{s_side}')
    if student.tubelet_size != 1:
        raise ValueError(
            f'{s_key}.tubelet_size={student.tubelet_size}: the frame-wise '
            f'{t_key} needs one student token row per frame (tubelet 1)')
    if student.return_layers and \
            teacher.return_layers != student.return_layers:
        raise ValueError(
            f'{t_key}.return_layers={teacher.return_layers} but '
            f'{s_key}.return_layers={student.return_layers}: each aligned '
            'student layer needs one teacher layer')
