# UMT-L K400 fine-tuning (8 frames) sharded with FSDP.
_base_ = ['../../umt/umt-large-p16-res224_k710-pre_u8_k400-rgb.py',
          './fsdp.py']
runner_type = 'FlexibleRunner'
