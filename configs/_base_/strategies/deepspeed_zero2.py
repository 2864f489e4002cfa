# DeepSpeed ZeRO stage 2 (mmengine DeepSpeedStrategy) for FlexibleRunner,
# bf16 as in the official fine-tuning (which used DeepSpeed). A config using
# it also sets runner_type = 'FlexibleRunner' and
# optim_wrapper = dict(type='DeepSpeedOptimWrapper'); needs `pip install
# deepspeed` on a CUDA machine (not in tools/env.sh).
strategy = dict(
    type='DeepSpeedStrategy',
    bf16=dict(enabled=True),
    zero_optimization=dict(
        stage=2,
        allgather_partitions=True,
        reduce_scatter=True,
        allgather_bucket_size=int(5e8),
        reduce_bucket_size=int(5e8),
        overlap_comm=True,
        contiguous_gradients=True),
    gradient_clipping=0.0)
