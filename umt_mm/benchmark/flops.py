"""Analytic FLOPs of a UMT stage-1 training step (1 multiply-add = 2)."""


def vit_block_flops(tokens: int, width: int, mlp_ratio: float = 4.) -> float:
    """Forward FLOPs of one pre-norm ViT block (1 multiply-add = 2 FLOPs).

    Linear layers: qkv ``3d^2``, output ``d^2``, MLP ``2 * ratio * d^2``
    multiply-adds per token; attention: ``QK^T`` and ``AV``, ``2 N^2 d``
    multiply-adds. Norms, softmax and activations are ignored (< 1%).
    """
    linear = tokens * width * width * (4 + 2 * mlp_ratio)
    attention = 2 * tokens * tokens * width
    return 2. * (linear + attention)


def stage1_flops(student_width: int = 768,
                 student_layers: int = 12,
                 teacher_width: int = 768,
                 teacher_layers: int = 12,
                 teacher_patch: int = 16,
                 teacher_res: int = 224,
                 teacher_out: int = 512,
                 num_aligned: int = 6,
                 img_size: int = 224,
                 patch: int = 16,
                 frames: int = 8,
                 mask_ratio: float = 0.8,
                 mlp_ratio: float = 4.) -> dict:
    """Analytic FLOPs per clip of one stage-1 training step.

    * teacher: forward only, on every frame (``1 + (res/patch)^2`` tokens
      including the class token), patch embedding, and the ``ln_post`` +
      projection of its ``num_aligned`` returned layers;
    * student: patch embedding of all ``T * L`` tokens, blocks on the
      ``T * (L - int(L * mask_ratio))`` kept tokens; backward counted as
      2x forward, so fwd+bwd = 3x forward (the patch embedding's input needs
      no gradient: 2x);
    * decoders: ``num_aligned`` linears student width -> teacher output on
      the kept tokens, fwd+bwd = 3x.

    Returns a dict of GFLOP per clip: ``teacher``, ``student``, ``decoder``,
    ``total``, and the kept token count ``kept_tokens``.
    """
    per_frame = (img_size // patch)**2
    kept = frames * (per_frame - int(per_frame * mask_ratio))
    s_embed = 2. * frames * per_frame * (3 * patch * patch) * student_width
    s_blocks = student_layers * vit_block_flops(kept, student_width,
                                                mlp_ratio)
    student = 3 * s_blocks + 2 * s_embed

    t_grid = (teacher_res // teacher_patch)**2
    t_embed = 2. * t_grid * (3 * teacher_patch**2) * teacher_width
    t_blocks = teacher_layers * vit_block_flops(t_grid + 1, teacher_width,
                                                mlp_ratio)
    t_proj = num_aligned * 2. * t_grid * teacher_width * teacher_out
    teacher = frames * (t_embed + t_blocks + t_proj)

    decoder = 3 * num_aligned * 2. * kept * student_width * teacher_out
    total = teacher + student + decoder
    return dict(teacher=teacher / 1e9, student=student / 1e9,
                decoder=decoder / 1e9, total=total / 1e9, kept_tokens=kept)


def flops_of_model(model) -> dict:
    """:func:`stage1_flops` with the sizes of a built ``UMTPretrain``."""
    bb, te = model.backbone, model.teacher
    t, h, w = bb.grid
    blk = bb.blocks[0]
    mlp_ratio = blk.mlp.fc1.out_features / bb.embed_dims
    patch = bb.patch_embed.proj.kernel_size[-1]
    return stage1_flops(
        student_width=bb.embed_dims, student_layers=bb.num_layers,
        teacher_width=te.class_embedding.shape[0],
        teacher_layers=len(te.transformer.resblocks),
        teacher_patch=te.patch_size, teacher_res=te.input_resolution,
        teacher_out=te.output_dim, num_aligned=bb.return_layers,
        img_size=h * patch, patch=patch, frames=t,
        mask_ratio=model.masker.mask_ratio, mlp_ratio=mlp_ratio)
