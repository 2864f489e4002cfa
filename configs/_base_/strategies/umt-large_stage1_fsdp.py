# UMT-L stage 1 (configs/umt/stage1_vitl.py) sharded with FSDP.
#   torchrun --nnodes 4 --nproc-per-node 8 ... tools/train.py THIS \
#       --launcher pytorch   (docs/benchmark.md: multi-node launch)
_base_ = ['../../umt/stage1_vitl.py', './fsdp.py']
runner_type = 'FlexibleRunner'
