# FSDP (mmengine FSDPStrategy) for mmengine's FlexibleRunner: each student
# transformer block is its own shard unit (umt_mm.models.fsdp_policy); the
# rest, frozen teacher included, is the root unit (use_orig_params lets
# frozen and trained parameters share it).
# A config using it also sets runner_type = 'FlexibleRunner' (see
# umt-large_*_fsdp.py here and docs/benchmark.md).
strategy = dict(
    type='FSDPStrategy',
    model_wrapper=dict(
        auto_wrap_policy=dict(type='umt_block_wrap_policy'),
        use_orig_params=True),
    state_dict_cfg='full')
